"""A fake docker-py client for the deploy's unit tests: images by id, tags, pushes into a dict 'registry'."""

from docker.errors import ImageNotFound, NotFound


class FakeImage:
    def __init__(self, client, ref):
        self.client, self.ref = client, ref
        self.id = client.ids[ref]

    def tag(self, repository, tag):
        self.client.tags[f"{repository}:{tag}"] = self.id
        return True


class FakeImages:
    def __init__(self, client):
        self.client = client

    def get(self, ref):
        if ref not in self.client.ids and ref not in self.client.tags:
            raise ImageNotFound(ref)
        return FakeImage(self.client, ref if ref in self.client.ids else ref)

    def push(self, repository, tag, stream=True, decode=True, auth_config=None):
        ref = f"{repository}:{tag}"
        self.client.pushes.append((ref, auth_config))
        self.client.registry[ref] = self.client.tags[ref]
        return iter([{"status": "Pushed"}, {"aux": {"Tag": tag, "Digest": "sha256:" + "d" * 64}}])

    def remove(self, ref):
        self.client.tags.pop(ref)

    def get_registry_data(self, ref, auth_config=None):
        if ref not in self.client.registry:
            raise NotFound(f"manifest unknown: {ref}")
        return object()


class FakeDocker:
    """Holds local images `ref -> id`; `registry` is what was pushed, `pushes` every push asked for."""

    def __init__(self, ids):
        self.ids = dict(ids)
        self.tags, self.registry, self.pushes = {}, {}, []
        self.images = FakeImages(self)
