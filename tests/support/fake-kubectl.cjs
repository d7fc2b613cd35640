#!/usr/bin/env node
// A stand-in for kubectl that keeps Secrets in a JSON file ($FAKE_KUBECTL_STATE): just enough
// for tilt/dev-secrets.sh's commands, so tests/unit/dev-secrets.test.ts can run it without a cluster.
// Every call's arguments are logged to $FAKE_KUBECTL_STATE.log (the test checks that no secret
// value is among them).
const fs = require('node:fs');
const path = require('node:path');
const state = process.env.FAKE_KUBECTL_STATE;
const secrets = fs.existsSync(state) ? JSON.parse(fs.readFileSync(state, 'utf8')) : {};
const args = process.argv.slice(2);
const ci = args.indexOf('--context');
if (ci >= 0) args.splice(ci, 2);
const ni = args.indexOf('-n');
if (ni >= 0) args.splice(ni, 2);
// Both ends of a pipe run at once: the log is appended, the state replaced in one rename.
fs.appendFileSync(`${state}.log`, `${args.join(' ')}\n`);
const [verb, what, name] = args;
if (verb === 'apply') {
  if (args[2] === '-') {
    const obj = JSON.parse(fs.readFileSync(0, 'utf8'));
    if (obj.kind === 'Secret') {
      secrets[obj.metadata.name] = obj.data;
      fs.writeFileSync(`${state}.tmp`, JSON.stringify(secrets));
      fs.renameSync(`${state}.tmp`, state);
    }
  }
} else if (verb === 'get' && what === 'secret') {
  const data = secrets[name];
  if (!data) {
    process.stderr.write('NotFound\n');
    process.exit(1);
  }
  const o = args[args.indexOf('-o') + 1];
  if (o.startsWith('jsonpath=')) {
    const k = o.slice('jsonpath={.data.'.length, -1).replace(/\\\./g, '.');
    process.stdout.write(data[k] ?? '');
  } else process.stdout.write(`secret/${name}\n`);
} else if (verb === 'create' && what === 'secret') {
  // Only --from-file: a value given as an argument (--from-literal) would be visible in `ps`. The
  // files must be private (mode 600 in a folder of mode 700).
  const data = {};
  for (const a of args) {
    if (a.startsWith('--from-literal')) {
      process.stderr.write('fake kubectl: --from-literal puts the value on the command line\n');
      process.exit(3);
    }
    const m = /^--from-file=([^=]+)=(.*)$/.exec(a);
    if (!m) continue;
    const mode = (p) => fs.statSync(p).mode & 0o777;
    if (mode(m[2]) !== 0o600 || mode(path.dirname(m[2])) !== 0o700) {
      process.stderr.write(`fake kubectl: ${m[2]} is readable by others\n`);
      process.exit(3);
    }
    data[m[1]] = fs.readFileSync(m[2]).toString('base64');
  }
  process.stdout.write(JSON.stringify({ kind: 'Secret', metadata: { name: args[3] }, data }));
} else if (verb === 'create' && what === 'namespace') {
  process.stdout.write(JSON.stringify({ kind: 'Namespace', metadata: { name } }));
} else {
  process.stderr.write(`fake kubectl: unsupported ${args.join(' ')}\n`);
  process.exit(2);
}
