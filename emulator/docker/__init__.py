"""The Docker engine, our image builds, the one container launcher, container logs."""
