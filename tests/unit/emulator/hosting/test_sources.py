"""Model data from the local S3 (in-process moto), file:// and paths; ECR URIs resolved to local images."""

import io
import tarfile

import pytest

from emulator.errors import EndpointError
from emulator.hosting.sources import local_image, model_dir, names_registry, parse_image_map, resolve_images
from tests.unit.emulator.inprocess_moto import s3_with_bucket

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1.0"


def archive(files: dict[str, bytes]) -> bytes:
    """Return a model.tar.gz holding `files`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def s3():
    with s3_with_bucket("models") as client:
        yield client


def test_an_s3_model_is_downloaded_and_unpacked_once(s3, tmp_path):
    s3.put_object(Bucket="models", Key="abalone/model.tar.gz", Body=archive({"model.json": b"{}"}))
    first = model_dir("s3://models/abalone/model.tar.gz", s3, cache_dir=tmp_path)
    assert (first / "model.json").read_bytes() == b"{}"
    downloads = list((tmp_path / "s3").glob("*.tar.gz"))
    again = model_dir("s3://models/abalone/model.tar.gz", s3, cache_dir=tmp_path)
    assert again == first and list((tmp_path / "s3").glob("*.tar.gz")) == downloads


def test_a_new_upload_under_the_same_key_is_fetched_again(s3, tmp_path):
    s3.put_object(Bucket="models", Key="m/model.tar.gz", Body=archive({"v": b"1"}))
    old = model_dir("s3://models/m/model.tar.gz", s3, cache_dir=tmp_path)
    s3.put_object(Bucket="models", Key="m/model.tar.gz", Body=archive({"v": b"2"}))
    new = model_dir("s3://models/m/model.tar.gz", s3, cache_dir=tmp_path)
    assert (old / "v").read_bytes() == b"1" and (new / "v").read_bytes() == b"2"


@pytest.mark.parametrize("url", ["s3://models/missing/model.tar.gz", "s3://no-such-bucket/model.tar.gz"])
def test_a_missing_object_names_the_url(s3, tmp_path, url):
    with pytest.raises(EndpointError, match="no such object") as caught:
        model_dir(url, s3, cache_dir=tmp_path)
    assert url in caught.value.message and "s3 cp" in caught.value.hint


def test_an_s3_url_needs_a_client_and_an_object(tmp_path):
    with pytest.raises(EndpointError, match="no local S3 client"):
        model_dir("s3://models/a.tar.gz", None, cache_dir=tmp_path)
    with pytest.raises(EndpointError, match="must name one object"):
        model_dir("s3://models/prefix/", object(), cache_dir=tmp_path)


def test_paths_and_file_urls(tmp_path):
    source = tmp_path / "model.tar.gz"
    source.write_bytes(archive({"w.bin": b"\x01"}))
    cache = tmp_path / "cache"
    by_path = model_dir(str(source), cache_dir=cache)
    assert (by_path / "w.bin").read_bytes() == b"\x01"
    assert model_dir(f"file://{source}", cache_dir=cache) == by_path
    assert model_dir("model.tar.gz", base_dir=tmp_path, cache_dir=cache) == by_path
    folder = tmp_path / "folder"
    folder.mkdir()
    assert model_dir(f"file://{folder}", cache_dir=cache) == folder


def test_bad_local_sources_name_the_url(tmp_path):
    with pytest.raises(EndpointError, match="does not exist") as caught:
        model_dir("file:///nowhere/model.tar.gz", cache_dir=tmp_path)
    assert "file:///nowhere/model.tar.gz" in caught.value.message
    with pytest.raises(EndpointError, match="not https://"):
        model_dir("https://example.com/model.tar.gz", cache_dir=tmp_path)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar")
    with pytest.raises(EndpointError, match="broken.tar.gz"):
        model_dir(str(broken), cache_dir=tmp_path / "cache")


class Engine:
    """A fake launcher: the images it holds and whether a pull succeeds."""

    def __init__(self, images=(), pullable=()):
        self.images, self.pullable, self.pulls = set(images), set(pullable), []

    def has_image(self, ref):
        return ref in self.images

    def pull(self, ref, timeout_s):
        self.pulls.append((ref, timeout_s))
        if ref in self.pullable:
            self.images.add(ref)
        return ref in self.pullable


def test_an_image_with_exactly_that_tag_wins():
    engine = Engine(images=[ECR, "byoc/featurizer:latest"])
    assert local_image(ECR, engine, {ECR: "byoc/featurizer:latest"}, environ={}) == ECR
    assert local_image("byoc/featurizer", engine, environ={}) == "byoc/featurizer:latest"
    assert engine.pulls == []


def test_the_definitions_mapping_then_the_environment():
    engine = Engine(images=["byoc/featurizer:latest", "mine:2"])
    environ = {"BYOC_IMAGE_MAP": f"{ECR}=mine:2"}
    assert local_image(ECR, engine, {}, environ=environ) == "mine:2"
    assert local_image(ECR, engine, {ECR: "byoc/featurizer:latest"}, environ=environ) == "byoc/featurizer:latest"


def test_a_mapping_to_a_missing_image_says_so():
    with pytest.raises(EndpointError, match="mapped to ghost:1") as caught:
        local_image(ECR, Engine(), {ECR: "ghost:1"}, environ={})
    assert "[Local.Images]" in caught.value.hint


def test_else_a_pull_else_an_error_naming_the_image_and_the_ways_out():
    assert local_image("python:3.11-slim", Engine(pullable=["python:3.11-slim"]), environ={}) == "python:3.11-slim"
    engine = Engine()
    with pytest.raises(EndpointError, match="an ECR image") as caught:
        local_image(ECR, engine, environ={}, pull_timeout_s=3)
    assert ECR in caught.value.message and "within 3 s" in caught.value.message
    assert f"docker tag byoc/featurizer:latest {ECR}" in caught.value.hint and "BYOC_IMAGE_MAP" in caught.value.hint
    assert engine.pulls == [(ECR, 3)]


def test_image_map_syntax():
    assert parse_image_map(f" {ECR} = a:1 , b=c:2,") == {ECR: "a:1", "b": "c:2"}
    with pytest.raises(EndpointError, match="'oops' is not URI=LOCAL_IMAGE"):
        parse_image_map("a=b,oops")


def test_resolve_images_replaces_ecr_and_mapped_images_only():
    from dataclasses import replace

    from tests.unit.emulator.hosting.fakes import make_spec

    spec = make_spec(3, images={1: ECR, 2: "byoc/img2:latest", 3: "theirs:1"})
    spec = replace(spec, images={ECR: "byoc/featurizer:latest"})
    engine = Engine(images=["byoc/featurizer:latest", "mine:3"])
    resolved = resolve_images(spec, engine, environ={"BYOC_IMAGE_MAP": "theirs:1=mine:3"})
    assert [c.image for c in resolved.containers] == ["byoc/featurizer:latest", "byoc/img2:latest", "mine:3"]
    assert engine.pulls == []


def test_an_image_of_any_registry_is_pulled_when_missing():
    from tests.unit.emulator.hosting.fakes import make_spec

    pushed = "127.0.0.1:5000/byoc/featurizer:sha256-abc"
    spec = make_spec(2, images={1: pushed, 2: "byoc/img2:latest"})
    engine = Engine(images=["byoc/img2:latest"], pullable=[pushed])
    resolved = resolve_images(spec, engine, environ={})
    assert [c.image for c in resolved.containers] == [pushed, "byoc/img2:latest"]
    assert [ref for ref, _ in engine.pulls] == [pushed]
    assert names_registry("registry.example/x:1") and names_registry("localhost/x")
    assert not names_registry("byoc/x:1") and not names_registry("x:1")
