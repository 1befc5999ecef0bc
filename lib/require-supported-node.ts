// Imported first by each public entry: ES modules evaluate their imports in order, so this
// check runs before any other module of lethe or of its dependencies does.
import { requireSupportedNode } from './supported-node.js';

requireSupportedNode();
