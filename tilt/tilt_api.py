"""The parameters of the Tilt built-ins the Tiltfile uses, for tilt/check_tiltfile.py.

Copied from Tilt's own API stubs (internal/tiltfile/api/__init__.py in the Tilt repository, the
source of https://docs.tilt.dev/api.html), current Tilt release: every parameter a built-in takes,
in order, and which of them are required. The stand-ins in check_tiltfile.py bind their arguments
with `bind`, so a misspelled keyword (`resource_dep=`), an extra positional argument or a missing
required one fails the dry run as it would fail `tilt up`, instead of being recorded silently.

When the Tiltfile starts using another built-in or parameter, add it here from the same source.
"""

# name -> (parameters in order, required parameters)
SIGNATURES = {
    'allow_k8s_contexts': (['contexts'], ['contexts']),
    'custom_build': ([
        'ref', 'command', 'deps', 'tag', 'disable_push', 'skips_local_docker', 'live_update',
        'match_in_env_vars', 'ignore', 'entrypoint', 'command_bat_val', 'outputs_image_ref_to',
        'command_bat', 'image_deps', 'env', 'dir',
    ], ['ref', 'command', 'deps']),
    'decode_yaml_stream': (['yaml'], ['yaml']),
    'docker_build': ([
        'ref', 'context', 'build_args', 'dockerfile', 'dockerfile_contents', 'live_update',
        'match_in_env_vars', 'ignore', 'only', 'entrypoint', 'target', 'ssh', 'network', 'secret',
        'extra_tag', 'container_args', 'cache_from', 'pull', 'platform', 'extra_hosts',
    ], ['ref', 'context']),
    'encode_yaml_stream': (['objs'], ['objs']),
    'fail': (['msg'], ['msg']),
    'fall_back_on': (['files'], ['files']),
    'include': (['path'], ['path']),
    'k8s_context': ([], []),
    'k8s_resource': ([
        'workload', 'new_name', 'port_forwards', 'extra_pod_selectors', 'trigger_mode',
        'resource_deps', 'objects', 'auto_init', 'pod_readiness', 'links', 'labels',
        'discovery_strategy',
    ], []),
    'k8s_yaml': (['yaml', 'allow_duplicates'], ['yaml']),
    'link': (['url', 'name'], ['url']),
    'local': (['command', 'quiet', 'command_bat', 'echo_off', 'env', 'dir', 'stdin'], ['command']),
    # `cmd` has no default in the stubs, but Tilt accepts a local_resource with only `serve_cmd`.
    'local_resource': ([
        'name', 'cmd', 'deps', 'trigger_mode', 'resource_deps', 'ignore', 'auto_init', 'serve_cmd',
        'cmd_bat', 'serve_cmd_bat', 'allow_parallel', 'links', 'labels', 'env', 'serve_env',
        'readiness_probe', 'dir', 'serve_dir',
    ], ['name']),
    'port_forward': (['local_port', 'container_port', 'name', 'link_path', 'host'], ['local_port']),
    'read_file': (['file_path', 'default'], ['file_path']),
    'read_json': (['path', 'default'], ['path']),
    'run': (['cmd', 'trigger', 'echo_off'], ['cmd']),
    'sync': (['local_path', 'remote_path'], ['local_path', 'remote_path']),
    'update_settings': ([
        'max_parallel_updates', 'k8s_upsert_timeout_secs', 'suppress_unused_image_warnings',
        'k8s_server_side_apply',
    ], []),
    'version_settings': (['check_updates', 'constraint'], []),
    'watch_file': (['file_path'], ['file_path']),
}


def bind(fn, args, kwargs):
    """Maps a call's arguments onto the parameters of Tilt's `fn`, as Starlark would.

    Returns {parameter: value} for the arguments given. Raises TypeError naming the built-in and
    the argument for an unknown keyword, too many positional arguments, a parameter given twice or
    a required one missing.
    """
    params, required = SIGNATURES[fn]
    if len(args) > len(params):
        raise TypeError('%s() takes at most %d positional arguments, got %d'
                        % (fn, len(params), len(args)))
    bound = dict(zip(params, args))
    for key, value in kwargs.items():
        if key not in params:
            raise TypeError("%s() got an unexpected keyword argument '%s' (Tilt's %s takes: %s)"
                            % (fn, key, fn, ', '.join(params)))
        if key in bound:
            raise TypeError("%s() got multiple values for argument '%s'" % (fn, key))
        bound[key] = value
    missing = [p for p in required if p not in bound]
    if missing:
        raise TypeError('%s() missing required argument %s' % (fn, ', '.join(repr(m) for m in missing)))
    return bound
