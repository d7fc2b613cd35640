# Development layer that Tilt puts on top of the production image (see the Tiltfile): the same image,
# except that the compiled code belongs to the service's user, so that Live Update (which copies
# files into the running container as that user) can replace it. Production images keep every file
# owned by root and read-only. Built with no context: `docker build - < tilt/live-update.Dockerfile`.
ARG BASE
FROM ${BASE}
ARG SERVICE
USER root
RUN test -n "${SERVICE}" \
  && chown -R 1000:1000 "services/${SERVICE}/dist" services/shared/dist
USER 1000:1000
