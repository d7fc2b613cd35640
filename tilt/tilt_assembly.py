"""How Tilt makes resources of the objects a Tiltfile applies, for tilt/check_tiltfile.py.

Follows Tilt's own assembly (internal/tiltfile/tiltfile_state.go, `assembleK8s*`, and
`sanitizeDependencies` in the Tilt repository), once every built-in has been called:

1. Each object whose pod template runs an image the Tiltfile builds becomes a resource of its name,
   then each other object with a pod template; each takes the Services of its namespace whose
   selector matches its pod template's labels.
2. The k8s_resource calls, in call order: `workload` names a resource by its current name; without
   it, `new_name` and `objects` make a new one. An object selector `name[:kind[:namespace]]` (case
   insensitive; cluster-scoped objects are in namespace `default`) must match exactly one of all
   the objects, and one that no resource has taken yet. `new_name` renames. A name may be used once
   across k8s and local resources.
3. Whatever is left forms the resource `uncategorized`, which Tilt applies before any other k8s
   resource.
4. resource_deps must name resources (Tilt only warns about an unknown one and drops the
   dependency, losing the order: an error here), never the resource itself, and make no cycle.

Where Tilt refuses to load the Tiltfile, `assemble` raises AssemblyError with Tilt's wording.
"""

WITH_POD_TEMPLATE = {'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'}


class AssemblyError(Exception):
    pass


def object_id(obj):
    """`Kind/namespace/name` (namespace empty for cluster-scoped objects): unique in a cluster."""
    meta = obj.get('metadata', {})
    return '%s/%s/%s' % (obj.get('kind'), meta.get('namespace', ''), meta.get('name'))


def _namespace(obj):
    return obj.get('metadata', {}).get('namespace') or 'default'


def _pod_template(obj):
    spec = obj.get('spec') or {}
    if obj.get('kind') == 'CronJob':
        spec = ((spec.get('jobTemplate') or {}).get('spec')) or {}
    return spec.get('template') if obj.get('kind') in WITH_POD_TEMPLATE else None


def _images(obj):
    pod = (_pod_template(obj) or {}).get('spec') or {}
    return [c.get('image', '') for c in pod.get('initContainers', []) + pod.get('containers', [])]


def _repository(ref):
    last = ref.split('/')[-1]
    return ref.rsplit(':', 1)[0] if ':' in last else ref


def _selects(service, workload):
    selector = (service.get('spec') or {}).get('selector') or {}
    if service.get('kind') != 'Service' or not selector:
        return False
    if _namespace(service) != _namespace(workload):
        return False
    labels = ((_pod_template(workload) or {}).get('metadata') or {}).get('labels') or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _fragments(obj):
    """The selectors that name `obj`: name, name:kind, name:kind:namespace (lower case)."""
    meta = obj.get('metadata', {})
    parts = [meta.get('name', ''), obj.get('kind', ''), _namespace(obj)]
    return [':'.join(parts[:i + 1]).lower() for i in range(len(parts))]


def assemble(calls, applied):
    """Tilt's resources, in creation order: [{name, type, objects, deps}].

    type is 'k8s' or 'local', objects their object_id, deps their resource_deps.
    """
    built = {_repository(c['kwargs']['ref'])
             for c in calls if c['fn'] in ('custom_build', 'docker_build')}
    local = [c['kwargs'] for c in calls if c['fn'] == 'local_resource']
    local_names = [a['name'] for a in local]
    for name in local_names:
        if local_names.count(name) > 1:
            raise AssemblyError('local_resource named %r already exists' % name)

    resources = {}  # name -> {'objects': [...], 'deps': [...]}, insertion-ordered

    def make(name):
        if name in resources:
            raise AssemblyError('k8s_resource named %r already exists' % name)
        if name in local_names:
            raise AssemblyError('local_resource named %r already exists' % name)
        resources[name] = {'objects': [], 'deps': []}
        return resources[name]

    def is_built(obj):
        return any(_repository(i) in built for i in _images(obj) if i)

    workloads = [o for o in applied if is_built(o)]
    workloads += [o for o in applied if _pod_template(o) is not None and not is_built(o)]
    unresourced = [o for o in applied if not any(o is w for w in workloads)]
    for workload in workloads:
        name = workload['metadata']['name']
        if name in resources:
            raise AssemblyError('two workloads named %r (Tilt would qualify their names)' % name)
        resource = make(name)
        resource['objects'].append(workload)
        services = [o for o in unresourced if _selects(o, workload)]
        resource['objects'].extend(services)
        unresourced = [o for o in unresourced if not any(o is s for s in services)]

    fragments = {}
    for obj in applied:
        for fragment in _fragments(obj):
            fragments.setdefault(fragment, []).append(obj)

    for call in [c['kwargs'] for c in calls if c['fn'] == 'k8s_resource']:
        workload, new_name = call.get('workload', ''), call.get('new_name', '')
        objects = call.get('objects') or []
        if not workload:
            if not objects:
                raise AssemblyError("k8s_resource doesn't specify a workload or any objects")
            name = new_name
            resource = make(name)
        elif workload in resources:
            name, resource = workload, resources[workload]
        else:
            raise AssemblyError('k8s_resource specified unknown resource %r. '
                                'known k8s resources: %s' % (workload, ', '.join(resources)))
        resource['deps'].extend(call.get('resource_deps') or [])
        if new_name and new_name != name:
            if new_name in resources or new_name in local_names:
                raise AssemblyError('k8s_resource specified to rename %r to %r: that name exists'
                                    % (name, new_name))
            resources[new_name] = resources.pop(name)
        for selector in objects:
            if len(selector.split(':')) > 3:
                raise AssemblyError('Too many parts in selector %s' % selector)
            matches = fragments.get(selector.lower(), [])
            if not matches:
                raise AssemblyError('No object identified by the fragment %r could be found'
                                    % selector)
            if len(matches) > 1:
                raise AssemblyError('%r is not a unique fragment. Objects that match %r are %s' % (
                    selector, selector, ', '.join(object_id(o) for o in matches)))
            if not any(o is matches[0] for o in unresourced):
                raise AssemblyError('No object identified by the fragment %r could be found in '
                                    'remaining YAML (another resource has it)' % selector)
            resource['objects'].append(matches[0])
            unresourced = [o for o in unresourced if o is not matches[0]]

    result = [{'name': n, 'type': 'k8s', 'objects': [object_id(o) for o in r['objects']],
               'deps': r['deps']} for n, r in resources.items()]
    if unresourced:
        result.append({'name': 'uncategorized', 'type': 'k8s',
                       'objects': [object_id(o) for o in unresourced], 'deps': []})
    result += [{'name': a['name'], 'type': 'local', 'objects': [],
                'deps': list(a.get('resource_deps') or [])} for a in local]
    _check_dependencies(result)
    return result


def _check_dependencies(resources):
    known = {r['name'] for r in resources}
    graph = {r['name']: r['deps'] for r in resources}
    for name, deps in graph.items():
        for dep in deps:
            if dep == name:
                raise AssemblyError('resource %s specified a dependency on itself' % name)
            if dep not in known:
                raise AssemblyError('resource %s specified a dependency on unknown resource %s '
                                    '(Tilt warns and ignores it)' % (name, dep))
    state = {}  # name -> 'visiting' | 'done'
    for start in graph:
        stack = [(start, iter(graph[start]))]
        if state.get(start):
            continue
        state[start] = 'visiting'
        while stack:
            node, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                state[node] = 'done'
                stack.pop()
            elif state.get(dep) == 'visiting':
                path = [n for n, _ in stack]
                cycle = path[path.index(dep):] + [dep]
                raise AssemblyError('cycle detected in resource dependency graph: %s'
                                    % ' -> '.join(cycle))
            elif not state.get(dep):
                state[dep] = 'visiting'
                stack.append((dep, iter(graph[dep])))
