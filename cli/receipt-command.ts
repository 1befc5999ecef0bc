// `lethe receipt` and `lethe prove`: a completed job's signed receipt, the public key that
// checks it, and inclusion proofs. The `verify` subcommands work offline: they read files and
// a public key, and talk to no AWS service.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createKmsReceiptSigner } from '../lib/adapters/kms-receipt-signer.js';
import { proveItem } from '../lib/engine/prove-item.js';
import { type ProvenItem, verifyInclusion, verifyReceipt } from '../lib/engine/verify-receipt.js';
import { getReceipt } from '../lib/engine/write-receipt.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { canonicalNumber } from '../lib/graph/key-types.js';
import type { SignedReceipt } from '../lib/model/receipts.js';
import type { ReceiptSigner } from '../lib/ports/receipt-signer.js';
import { CliError, CliUsageError } from './cli-error.js';
import { verificationLine } from './format-verification.js';
import { formatNumber } from './progress.js';
import type { Target } from './target.js';

export interface ReceiptCommandDeps {
  readonly target: () => Promise<Target>;
  readonly print: (json: boolean, value: Record<string, unknown>, text: string) => void;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read ${what} ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${what} ${path} is not JSON`);
  }
}

/**
 * The PEM text of the public key in `path`, checked to be one, so a bad key file is reported
 * as such and not as a receipt whose signature cannot be checked.
 *
 * @throws CliError when the file cannot be read or holds no public key node:crypto can load.
 */
export function readPem(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read public key ${path}`);
  }
  try {
    createPublicKey(text);
  } catch {
    throw new CliError(
      `${path} is not a PEM public key (take it from \`lethe receipt public-key\` or the stack output)`,
    );
  }
  return text;
}

/**
 * The signer whose key the target's receipts are signed with: the KMS key given, else the
 * local stack's key pair. A deployed pipeline needs `--key-id` (stack output ReceiptKeyId).
 *
 * @throws CliUsageError for `--key-id` on a local stack (it signs with its own key pair), and
 *   for a deployed pipeline without `--key-id`.
 */
export function signerOf(
  t: Pick<Target, 'clients' | 'engine'>,
  keyId: string | undefined,
): ReceiptSigner {
  const signer = t.engine.context.signer;
  if (keyId && signer) {
    throw new CliUsageError(
      'this stack signs receipts with its own key pair, not a KMS key: leave out --key-id',
    );
  }
  if (keyId) return createKmsReceiptSigner({ keyId, region: t.clients.region });
  if (!signer) {
    throw new CliUsageError(
      'a deployed pipeline signs with its KMS key: give --key-id (stack output ReceiptKeyId)',
    );
  }
  return signer;
}

/**
 * The PEM public key `receipt verify` and `prove verify` check with, and where it came from as
 * the CLI says it: the `--public-key` file (`the key in <file>`), else the target's signer (a
 * local stack, or `--key-id` on AWS: `the running target's key <keyId>`), so a check that was
 * not offline never looks as if it were. Without a target the CliError says how to check
 * offline instead.
 */
export async function publicKeyWithSource(
  deps: Pick<ReceiptCommandDeps, 'target'>,
  options: { publicKey?: string; keyId?: string },
): Promise<{ pem: string; source: string }> {
  if (options.publicKey) {
    return { pem: readPem(options.publicKey), source: `the key in ${options.publicKey}` };
  }
  // No key file: ask the target for it (not offline; say so in the help and in the error).
  const target = await deps.target().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `${reason}; to check offline, give the public key: --public-key key.pem (from \`lethe receipt public-key\`)`,
    );
  });
  const signer = signerOf(target, options.keyId);
  return {
    pem: await signer.publicKeyPem(),
    source: `the running target's key ${await signer.keyId()}`,
  };
}

export function formatReceipt(signed: SignedReceipt): string {
  const r = signed.receipt;
  const rows = Object.entries(r.counts).map(
    ([relation, counts]) =>
      `  ${relation.padEnd(36)} ${Object.entries(counts)
        .map(([k, n]) => `${k} ${formatNumber(n ?? 0)}`)
        .join(', ')}`,
  );
  return [
    `receipt of job ${r.jobId}: ${r.entity} ${r.id} ${r.outcome}`,
    `  requested ${r.timings.requestedAt} by ${r.requester ?? '?'}, completed ${r.timings.completedAt}`,
    `  graph ${r.graphFingerprint}`,
    `  erased: ${formatNumber(r.totals.rowsDeleted)} rows, ${formatNumber(r.totals.rowsNulled)} nulled, ${formatNumber(r.totals.objectsDeleted)} objects (${formatNumber(r.leafCount)} leaves)`,
    ...rows,
    `  root ${r.root}`,
    `  signed ${r.signedAt} by ${signed.signature.keyId} (${signed.signature.algorithm})`,
    `  ${attestationLine(signed)}`,
  ].join('\n');
}

/** The receipt's signed verification, as `lethe verify` words it, or that it carries none. */
function attestationLine(signed: SignedReceipt): string {
  const attested = signed.verification?.attestation;
  if (!attested) return 'verification: none in this receipt (`lethe verify` signs one)';
  const line = verificationLine({ ...attested, items: [], truncated: false });
  return `${line}; signed ${attested.signedAt}`;
}

function physical(
  names: Readonly<Record<string, { readonly name: string }>>,
  given: string,
): string {
  return Object.hasOwn(names, given) ? (names[given]?.name ?? given) : given;
}

/**
 * The row key as the leaves encode it: a declared Number attribute as a number (canonical
 * text), every other attribute as a string, whichever JSON type the caller wrote. `table` is
 * the physical name.
 *
 * @throws CliUsageError when `json` is not a JSON object, names a table the graph does not
 *   have, or is not exactly that table's key attributes.
 */
export function rowKeyOf(
  graph: Graph,
  table: string,
  json: string,
): Record<string, string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new CliUsageError(`--row: '${json}' is not JSON (e.g. '{"projectId":"p1"}')`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliUsageError('--row: the key must be a JSON object of its key attributes');
  }
  const definition = Object.values(graph.tables).find((t) => t.name === table);
  // A key that cannot name a row of the graph has no leaf whatever was erased: say why, rather
  // than "not in the receipt", which an auditor would read as "not erased".
  if (!definition) {
    const names = Object.entries(graph.tables).map(([id, t]) =>
      id === t.name ? id : `${id} (${t.name})`,
    );
    throw new CliUsageError(
      `--row: the graph has no table ${table}; its tables: ${names.join(', ')}`,
    );
  }
  const wanted = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
  const given = Object.keys(parsed);
  if (
    wanted.some((name) => !given.includes(name)) ||
    given.some((name) => !wanted.includes(name))
  ) {
    throw new CliUsageError(
      `--row: a key of ${table} is exactly ${wanted.join(' and ')} (given: ${given.join(', ') || 'none'})`,
    );
  }
  const key: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new CliUsageError(`--row: ${name} must be a string or a number`);
    }
    if (definition.keyTypes?.[name] === 'number') {
      const canonical = canonicalNumber(String(value));
      if (canonical === undefined) throw new CliUsageError(`--row: ${name} is not a number`);
      key[name] = Number(canonical);
    } else {
      key[name] = typeof value === 'number' ? String(value) : value;
    }
  }
  return key;
}

/** True for what `prove --json` writes: an inclusion proof, bare or under `proof`. */
export function isProofFile(value: unknown): boolean {
  const inner =
    typeof value === 'object' && value !== null && 'proof' in value
      ? (value as { proof: unknown }).proof
      : value;
  return typeof inner === 'object' && inner !== null && 'leafIndex' in inner && 'path' in inner;
}

/** Registers `receipt` (with `verify`, `public-key`) and `prove` (with `verify`). */
export function registerReceiptCommands(program: Command, deps: ReceiptCommandDeps): void {
  const receipt = program
    .command('receipt')
    .description('a completed job’s signed receipt: what it erased, as counts and a Merkle root')
    .argument('[jobId]', 'the job')
    .option('--json', 'print JSON (the file `receipt verify` reads)')
    .action(async (jobId: string | undefined, options: { json?: boolean }) => {
      if (!jobId) throw new CliUsageError('give a job id: lethe receipt <jobId>');
      const t = await deps.target();
      const signed = await getReceipt(t.engine.context.state, jobId);
      if (!signed) {
        const job = await t.engine.getJob(jobId);
        throw new CliError(
          job
            ? `job ${jobId} has no receipt yet (${job.status})`
            : `no receipt for job ${jobId} (unknown, or past receiptRetentionDays)`,
        );
      }
      deps.print(options.json === true, { ...signed }, formatReceipt(signed));
    });

  receipt
    .command('verify <file>')
    .description(
      'check a receipt file (from `receipt --json`) offline: its signature and internal consistency',
    )
    .option('--public-key <pem>', 'PEM file of the public key (else it is read from the target)')
    .option(
      '--key-id <kms>',
      'the KMS receipt key of a deployed pipeline (stack output ReceiptKeyId)',
    )
    .option('--json', 'print JSON')
    .action(async (file: string, _options: unknown, command: Command) => {
      // `--json` may be taken by the parent command: read both.
      const options = command.optsWithGlobals<{
        publicKey?: string;
        keyId?: string;
        json?: boolean;
      }>();
      const input = readJson(file, 'receipt');
      const key = await publicKeyWithSource(deps, options);
      const check = verifyReceipt(input, key.pem);
      deps.print(
        options.json === true,
        { ok: check.ok, problems: check.problems, root: check.receipt?.receipt.root },
        check.ok
          ? [
              `receipt ${check.receipt?.receipt.jobId} is valid: root ${check.receipt?.receipt.root}`,
              `checked with ${key.source}`,
              check.receipt ? attestationLine(check.receipt) : '',
            ].join('\n  ')
          : `receipt is NOT valid:\n${check.problems.map((p) => `  ${p}`).join('\n')}`,
      );
      if (!check.ok) process.exitCode = 1;
    });

  receipt
    .command('public-key')
    .description('print the PEM public key that checks this pipeline’s receipts')
    .option(
      '--key-id <kms>',
      'the KMS receipt key of a deployed pipeline (stack output ReceiptKeyId)',
    )
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ keyId?: string; json?: boolean }>();
      const signer = signerOf(await deps.target(), options.keyId);
      const pem = await signer.publicKeyPem();
      deps.print(
        options.json === true,
        { keyId: await signer.keyId(), publicKey: pem },
        pem.trimEnd(),
      );
    });

  const prove = program
    .command('prove')
    .description('the sibling path linking one erased item to its job’s signed receipt root')
    .argument('[jobId]', 'the job')
    .option('--object <bucket-and-key...>', 'an object: <bucket> <key>')
    .option('--row <table-and-key...>', `a row: <table> '<key json>'`)
    .option('--nulled <table-and-key...>', `a set-null row: <table> '<key json>'`)
    .option('--json', 'print JSON (the file `prove verify` reads)')
    .action(
      async (
        jobId: string | undefined,
        options: { object?: string[]; row?: string[]; nulled?: string[]; json?: boolean },
      ) => {
        if (!jobId) throw new CliUsageError('give a job id: lethe prove <jobId> --object …');
        const given = [options.object, options.row, options.nulled].filter((o) => o !== undefined);
        if (given.length !== 1 || given[0]?.length !== 2) {
          throw new CliUsageError(
            "name one item: --object <bucket> <key>, --row <table> '<key json>' or --nulled <table> '<key json>'",
          );
        }
        const t = await deps.target();
        // An unknown job is an error like any other command's; "not in the receipt" is an answer.
        if (!(await t.engine.getJob(jobId))) throw new CliError(`no job ${jobId}`);
        const [container = '', key = ''] = given[0];
        let item: ProvenItem;
        if (options.object) {
          item = { kind: 'object', bucket: physical(t.graph.buckets, container), key };
        } else {
          const table = physical(t.graph.tables, container);
          item = {
            kind: options.row ? 'row' : 'nulled',
            table,
            key: rowKeyOf(t.graph, table, key),
          };
        }
        const result = await proveItem(t.engine.context, jobId, item);
        if (!result.found) {
          deps.print(options.json === true, { found: false, reason: result.reason }, result.reason);
          process.exitCode = 1;
          return;
        }
        const { proof } = result;
        deps.print(
          options.json === true,
          { found: true, proof },
          [
            `in the receipt of job ${jobId}: leaf ${proof.leaf}`,
            `  index ${proof.leafIndex} of ${proof.treeSize}, root ${proof.root}`,
            '  path (sibling hashes, leaf upwards):',
            ...proof.path.map((h) => `    ${h}`),
          ].join('\n'),
        );
      },
    );

  prove
    .command('verify <receiptFile> <proofFile>')
    .description(
      'check a proof (from `prove --json`) against a receipt (from `receipt --json`), offline',
    )
    .option('--public-key <pem>', 'PEM file of the public key (else it is read from the target)')
    .option(
      '--key-id <kms>',
      'the KMS receipt key of a deployed pipeline (stack output ReceiptKeyId)',
    )
    .option('--json', 'print JSON')
    .action(async (receiptFile: string, proofFile: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{
        publicKey?: string;
        keyId?: string;
        json?: boolean;
      }>();
      const receiptInput = readJson(receiptFile, 'receipt');
      const proofInput = readJson(proofFile, 'proof') as { proof?: unknown };
      if (isProofFile(receiptInput) && !isProofFile(proofInput)) {
        throw new CliUsageError(
          `${receiptFile} is a proof and ${proofFile} is not: give the receipt first (prove verify <receipt.json> <proof.json>)`,
        );
      }
      const key = await publicKeyWithSource(deps, options);
      const check = verifyInclusion(receiptInput, proofInput?.proof ?? proofInput, key.pem);
      deps.print(
        options.json === true,
        { ok: check.ok, problems: check.problems },
        check.ok
          ? `proof is valid: the item is among what job ${check.receipt?.receipt.jobId} erased (root ${check.receipt?.receipt.root})\n  checked with ${key.source}`
          : `proof is NOT valid:\n${check.problems.map((p) => `  ${p}`).join('\n')}`,
      );
      if (!check.ok) process.exitCode = 1;
    });
}
