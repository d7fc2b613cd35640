"""Checks a Tiltfile without Tilt and without a cluster (used by tests/unit/tiltfile.test.ts).

Usage: python3 tilt/check_tiltfile.py TILTFILE MANIFESTS_JSON [--context NAME] [--arg KEY=VALUE ...]
           [--env KEY=VALUE ...] [--replace PATH=FILE ...]

MANIFESTS_JSON maps each YAML path the Tiltfile may read (relative to the Tiltfile's folder) to its
documents, already parsed (the test parses them with the `yaml` npm package, so no PyYAML is
needed). `--env` sets what os.getenv returns (nothing else is set); `--replace` makes read_json and
read_file read FILE when the Tiltfile asks for PATH (e.g. another deploy/plan.json). Prints one
JSON object:

  violations  Python syntax Starlark rejects (while, try, class, import, f-strings, ...)
  paths       every repo path passed to a path-taking built-in or named in a command, with the
              function it came from: found statically (string literals, module-level names) and
              while running the file
  missing     those of them that do not exist (globs expanded)
  calls       the recorded built-in calls (custom_build, docker_build, local_resource, k8s_resource,
              k8s_yaml, read_file, read_json, watch_file)
  applied     the objects passed to k8s_yaml
  resources   the resources Tilt would make of them and of the calls (tilt/tilt_assembly.py): name,
              type (k8s or local), objects (`Kind/namespace/name`), deps (resource_deps)
  error       set when running the file failed (fail(), a bad key, ...), or when Tilt would refuse
              the resources it makes (an ambiguous object selector, an unknown dependency, ...)

Running the file is a dry run against stand-ins of Tilt's built-ins, which record their arguments:
it proves the control flow, names and paths, not what Tilt or Kubernetes would do with them. Each
stand-in takes exactly the parameters of the real built-in (tilt/tilt_api.py), so a misspelled
keyword such as `resource_dep=` makes the run fail, as it would make `tilt up` fail.
"""

import ast
import copy
import glob
import json
import os
import re
import shlex
import sys

sys.dont_write_bytecode = True  # no tilt/__pycache__ in the work tree
from tilt_api import bind  # noqa: E402  (tilt/tilt_api.py, next to this file)
from tilt_assembly import AssemblyError, assemble  # noqa: E402

# Built-ins whose arguments name files, and which arguments do.
PATH_FUNCTIONS = {
    'k8s_yaml', 'read_file', 'watch_file', 'include', 'load', 'listdir', 'helm', 'kustomize',
    'docker_build', 'custom_build', 'local_resource', 'sync', 'fall_back_on', 'read_yaml',
    'read_yaml_stream', 'read_json',
}
# Keyword arguments that are not paths even in those calls.
NOT_PATH_KWARGS = {
    'cmd', 'serve_cmd', 'command', 'labels', 'resource_deps', 'ignore', 'name', 'env', 'links',
    'trigger_mode', 'build_args', 'target', 'entrypoint', 'usage', 'tag', 'auto_init',
    'allow_parallel', 'readiness_probe', 'live_update', 'dir', 'serve_dir',
}
# Positional arguments that are not paths: local_resource's name, custom_build's ref and command,
# docker_build's ref, sync's container path.
NOT_PATH_POSITIONS = {
    'local_resource': {0, 1}, 'custom_build': {0, 1}, 'docker_build': {0}, 'sync': {1},
}
# Words of a shell command that name a repo file: anything under these folders, or a Dockerfile.
COMMAND_PATH = re.compile(
    r'^(?:(?:tilt|scripts|k8s|charts|cdk8s|services|tests)/[^\s;&|<>]+|Dockerfile[.\w-]*)$')

FORBIDDEN = {
    ast.While: 'while loop', ast.Try: 'try', ast.ClassDef: 'class', ast.Import: 'import',
    ast.ImportFrom: 'import', ast.JoinedStr: 'f-string', ast.Set: 'set literal',
    ast.SetComp: 'set comprehension', ast.Global: 'global', ast.Nonlocal: 'nonlocal',
    ast.With: 'with', ast.Raise: 'raise (use fail())', ast.Assert: 'assert', ast.Delete: 'del',
    ast.Yield: 'yield', ast.YieldFrom: 'yield', ast.AsyncFunctionDef: 'async',
    ast.Await: 'await', ast.NamedExpr: 'walrus', ast.GeneratorExp: 'generator expression',
}
if hasattr(ast, 'TryStar'):
    FORBIDDEN[ast.TryStar] = 'try'


def starlark_violations(tree):
    """Python constructs the Starlark dialect of Tilt does not accept, with their lines."""
    found = []
    for node in ast.walk(tree):
        for kind, what in FORBIDDEN.items():
            if isinstance(node, kind):
                found.append('line %d: %s' % (node.lineno, what))
        if isinstance(node, ast.Compare):
            if len(node.ops) > 1:
                found.append('line %d: chained comparison' % node.lineno)
            if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
                found.append("line %d: 'is' (use ==)" % node.lineno)
        if isinstance(node, (ast.FunctionDef, ast.Lambda)) and getattr(node, 'decorator_list', []):
            found.append('line %d: decorator' % node.lineno)
    return found


def strings_in(node, names):
    """String literals in an expression, following module-level names to their values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in names:
        return strings_in(names[node.id], {k: v for k, v in names.items() if k != node.id})
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for e in node.elts for s in strings_in(e, names)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return strings_in(node.left, names) + strings_in(node.right, names)
    if isinstance(node, ast.IfExp):
        return strings_in(node.body, names) + strings_in(node.orelse, names)
    return []


def static_paths(tree):
    """Paths written as literals in the arguments of path-taking built-ins."""
    names = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = stmt.value
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        fn = node.func.id
        if fn not in PATH_FUNCTIONS:
            continue
        skip = NOT_PATH_POSITIONS.get(fn, set())
        for i, arg in enumerate(node.args):
            if i not in skip:
                found += [(fn, s) for s in strings_in(arg, names)]
        for kw in node.keywords:
            if kw.arg not in NOT_PATH_KWARGS:
                found += [(fn, s) for s in strings_in(kw.value, names)]
            if kw.arg in ('cmd', 'serve_cmd', 'command'):
                found += [(fn, s) for c in strings_in(kw.value, names) for s in command_paths(c)]
        if fn in ('local_resource', 'custom_build') and len(node.args) > 1:
            found += [(fn, s) for c in strings_in(node.args[1], names) for s in command_paths(c)]
    return [(fn, p) for fn, p in found if not p.startswith('ext://') and not re.match(r'^\w+://', p)]


def command_paths(command):
    """Repo paths among the words of a command: a shell string, or an argv list."""
    if isinstance(command, (list, tuple)):
        words = [w for w in command if isinstance(w, str)]
    else:
        try:
            words = shlex.split(command)
        except ValueError:
            words = command.split()
    return [w for w in words if COMMAND_PATH.match(w)]


class Blob(object):
    def __init__(self, text, path=None, objects=None):
        self.text = text
        self.path = path
        self.objects = objects

    def __str__(self):
        return self.text


class Config(object):
    def __init__(self, args):
        self.args = args
        self.defined = {}

    def define_bool(self, name, args=False, usage=''):
        self.defined[name] = 'bool'

    def define_string(self, name, args=False, usage=''):
        self.defined[name] = 'string'

    def define_string_list(self, name, args=False, usage=''):
        self.defined[name] = 'list'

    def parse(self):
        result = {}
        for key, value in self.args.items():
            if key not in self.defined:
                raise ValueError('config arg %r was not defined' % key)
            kind = self.defined[key]
            result[key] = value == 'true' if kind == 'bool' else ([value] if kind == 'list' else value)
        return result


class Struct(object):
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class TiltfileFailed(Exception):
    pass


def run_tiltfile(path, source, manifests, context, config_args, env=None, replaced=None):
    base = os.path.dirname(os.path.abspath(path))
    env = env or {}
    replaced = replaced or {}

    def open_repo_file(p):
        return open(replaced.get(p, os.path.join(base, p)))

    calls = []
    paths = []
    applied = []

    def record(fn, args, kwargs):
        calls.append({'fn': fn, 'args': list(args), 'kwargs': kwargs})

    def note(fn, value):
        for p in value if isinstance(value, list) else [value]:
            if isinstance(p, str) and not re.match(r'^\w+://', p):
                paths.append((fn, p))

    def objects_of(path_or_blob):
        if isinstance(path_or_blob, Blob):
            if path_or_blob.objects is not None:
                return copy.deepcopy(path_or_blob.objects)
            path_or_blob = path_or_blob.path
        if path_or_blob not in manifests:
            raise TiltfileFailed('no parsed documents given for %s' % path_or_blob)
        return copy.deepcopy(manifests[path_or_blob])

    def stand_in(fn, behaviour=None):
        """A built-in that takes exactly Tilt's parameters (tilt_api.SIGNATURES) and records them."""
        def call(*args, **kwargs):
            bound = bind(fn, args, kwargs)
            return behaviour(bound) if behaviour else record(fn, [], bound)
        return call

    def read_file(a):
        note('read_file', a['file_path'])
        record('read_file', [a['file_path']], {})
        with open_repo_file(a['file_path']) as f:
            return Blob(f.read(), path=a['file_path'])

    def read_json(a):
        note('read_json', a['path'])
        record('read_json', [a['path']], {})
        with open_repo_file(a['path']) as f:
            return json.load(f)

    def k8s_yaml(a):
        yaml = a['yaml']
        for item in yaml if isinstance(yaml, list) else [yaml]:
            if isinstance(item, str):
                note('k8s_yaml', item)
            applied.extend(objects_of(item))
        record('k8s_yaml', [jsonable(yaml)], {})

    def watch_file(a):
        note('watch_file', a['file_path'])
        record('watch_file', [a['file_path']], {})

    def live_update_paths(a):
        for step in a.get('live_update', []):
            if step[0] in ('sync', 'fall_back_on'):
                note(step[0], step[1])

    def local_resource(a):
        a.setdefault('cmd', '')
        a['deps'] = a.get('deps') or []
        note('local_resource', a['deps'])
        for c in [a['cmd'], a.get('serve_cmd', '')]:
            note('local_resource', command_paths(c))
        record('local_resource', [], a)

    def custom_build(a):
        note('custom_build', a['deps'])
        note('custom_build', command_paths(a['command']))
        live_update_paths(a)
        record('custom_build', [], a)

    def docker_build(a):
        note('docker_build', a['context'])
        if 'dockerfile' in a:
            note('docker_build', a['dockerfile'])
        live_update_paths(a)
        record('docker_build', [], a)

    def k8s_resource(a):
        a.setdefault('workload', '')
        record('k8s_resource', [], a)

    def fail(a):
        raise TiltfileFailed(a['msg'])

    def load(p, *symbols):
        if not p.startswith('ext://'):
            note('load', p)

    stubs = {
        'version_settings': stand_in('version_settings'),
        'allow_k8s_contexts': stand_in(
            'allow_k8s_contexts', lambda a: record('allow_k8s_contexts', [a['contexts']], {})),
        'k8s_context': stand_in('k8s_context', lambda a: context),
        'config': Config(config_args),
        'shlex': Struct(quote=shlex.quote),
        'os': Struct(
            getenv=lambda k, default=None: env.get(k, default),
            path=Struct(exists=lambda p: os.path.exists(os.path.join(base, p)),
                        basename=os.path.basename, join=os.path.join, dirname=os.path.dirname),
        ),
        'read_file': stand_in('read_file', read_file),
        'read_json': stand_in('read_json', read_json),
        'decode_yaml_stream': stand_in('decode_yaml_stream', lambda a: objects_of(a['yaml'])),
        'encode_yaml_stream': stand_in(
            'encode_yaml_stream', lambda a: Blob('', objects=copy.deepcopy(a['objs']))),
        'k8s_yaml': stand_in('k8s_yaml', k8s_yaml),
        'watch_file': stand_in('watch_file', watch_file),
        'local_resource': stand_in('local_resource', local_resource),
        'custom_build': stand_in('custom_build', custom_build),
        'docker_build': stand_in('docker_build', docker_build),
        'k8s_resource': stand_in('k8s_resource', k8s_resource),
        'sync': stand_in('sync', lambda a: ('sync', a['local_path'], a['remote_path'])),
        'fall_back_on': stand_in('fall_back_on', lambda a: (
            'fall_back_on', a['files'] if isinstance(a['files'], list) else [a['files']])),
        'run': stand_in('run', lambda a: ('run', a['cmd'], a.get('trigger'))),
        'port_forward': stand_in('port_forward', lambda a: {
            'local_port': a['local_port'], 'container_port': a.get('container_port'),
            'name': a.get('name')}),
        'link': stand_in('link', lambda a: {'url': a['url'], 'name': a.get('name', '')}),
        'local': stand_in('local', lambda a: Blob('')),
        'blob': lambda text: Blob(text),
        'update_settings': stand_in('update_settings'),
        'fail': stand_in('fail', fail),
        'include': stand_in('include', lambda a: note('include', a['path'])),
        'load': load,
        'TRIGGER_MODE_AUTO': 'auto',
        'TRIGGER_MODE_MANUAL': 'manual',
        '__builtins__': {
            'len': len, 'str': str, 'int': int, 'bool': bool, 'list': list, 'dict': dict,
            'range': range, 'sorted': sorted, 'enumerate': enumerate, 'zip': zip, 'any': any,
            'all': all, 'min': min, 'max': max, 'reversed': reversed, 'type': type,
            'repr': repr, 'hasattr': hasattr, 'getattr': getattr, 'print': lambda *a: None,
            'True': True, 'False': False, 'None': None,
        },
    }
    error = None
    resources = []
    try:
        exec(compile(source, path, 'exec'), stubs)
        resources = assemble(calls, applied)
    except TiltfileFailed as e:
        error = 'fail(): %s' % e
    except AssemblyError as e:
        error = 'Tilt: %s' % e
    except Exception as e:  # the report names it; the test fails on any error
        error = '%s: %s' % (type(e).__name__, e)
    return calls, paths, applied, resources, error


def jsonable(value):
    if isinstance(value, Blob):
        return {'blob': value.path or '(generated)'}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def missing_paths(base, found):
    missing = []
    for fn, p in found:
        full = os.path.join(base, p)
        if any(ch in p for ch in '*?['):
            if not glob.glob(full, recursive=True):
                missing.append('%s: %s (no match)' % (fn, p))
        elif not os.path.exists(full):
            missing.append('%s: %s' % (fn, p))
    return sorted(set(missing))


def main(argv):
    path, manifests_json = argv[0], argv[1]
    context = 'kind-shardgate'
    config_args, env, replaced = {}, {}, {}
    rest = argv[2:]
    while rest:
        if rest[0] == '--context':
            context = rest[1]
        elif rest[0] in ('--arg', '--env', '--replace'):
            key, _, value = rest[1].partition('=')
            {'--arg': config_args, '--env': env, '--replace': replaced}[rest[0]][key] = value
        else:
            raise SystemExit('unknown option %s' % rest[0])
        rest = rest[2:]
    with open(path) as f:
        source = f.read()
    with open(manifests_json) as f:
        manifests = json.load(f)
    base = os.path.dirname(os.path.abspath(path))
    report = {'violations': [], 'paths': [], 'missing': [], 'calls': [], 'applied': [],
              'resources': [], 'error': None}
    try:
        tree = ast.parse(source, path)
    except SyntaxError as e:
        report['error'] = 'SyntaxError: line %s: %s' % (e.lineno, e.msg)
        print(json.dumps(report))
        return
    report['violations'] = starlark_violations(tree)
    calls, dynamic, applied, resources, error = run_tiltfile(
        path, source, manifests, context, config_args, env, replaced)
    found = sorted(set(static_paths(tree) + dynamic))
    report.update({
        'paths': [{'fn': fn, 'path': p} for fn, p in found],
        'missing': missing_paths(base, found),
        'calls': jsonable(calls),
        'applied': applied,
        'resources': resources,
        'error': error,
    })
    print(json.dumps(report))


if __name__ == '__main__':
    main(sys.argv[1:])
