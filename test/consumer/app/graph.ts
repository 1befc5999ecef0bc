// The consumer's deletion graph: users own devices (deleted with them), uploads under
// users/{userId}/ (deleted with them), and audit events that outlive them (userId nulled).
import { defineGraph } from 'lethe';

export const graph = defineGraph({
  tables: {
    users: { name: 'acme-users', partitionKey: 'userId' },
    devices: {
      name: 'acme-devices',
      partitionKey: 'deviceId',
      indexes: { byUser: { partitionKey: 'userId' } },
    },
    audit: {
      name: 'acme-audit',
      partitionKey: 'eventId',
      indexes: { byUser: { partitionKey: 'userId' } },
    },
  },
  buckets: {
    uploads: { name: 'acme-uploads' },
  },
  entities: {
    user: {
      table: 'users',
      objects: [{ kind: 'prefix', bucket: 'uploads', template: 'users/{userId}/' }],
    },
    device: {
      table: 'devices',
      parents: [{ entity: 'user', attribute: 'userId', index: 'byUser', onDelete: 'cascade' }],
    },
    auditEvent: {
      table: 'audit',
      parents: [{ entity: 'user', attribute: 'userId', index: 'byUser', onDelete: 'set-null' }],
    },
  },
});
