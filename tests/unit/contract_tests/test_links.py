"""pipeline-links over in-process servers: the chain, and the judgement of each hop."""

import pytest

from contract_tests import links
from contract_tests.config import PipelineConfig, TargetConfig
from contract_tests.probe import Reply
from contract_tests.verdict import RuleFailure
from emulator.sagemaker import MAX_BETWEEN_CONTAINERS_BYTES


def pipeline(n: int) -> PipelineConfig:
    targets = tuple(TargetConfig(f"p-c{i}", f"img{i}", hostname=f"c{i}") for i in range(1, n + 1))
    return PipelineConfig("p", targets, b"1,2,3\n", "text/csv")


def test_the_sample_travels_every_container(serve):
    spec = pipeline(1)
    hops = links.run_chain(spec, [serve()])
    assert hops[0].reply.body == b"6.0\n"
    assert "the sample travelled c1 ('text/csv') -> 200 'text/csv'" in links.pipeline_links(spec, hops)


def test_a_refusing_second_container_is_named_with_the_content_type_it_got(serve):
    spec = pipeline(2)
    hops = links.run_chain(spec, [serve(), serve()])  # the second wants 3 columns, gets the first's 1
    with pytest.raises(
        RuleFailure,
        match="pipeline-links: c2 \\(img2\\) answered 400 .* to the Content-Type 'text/csv' that c1 returned",
    ):
        links.pipeline_links(spec, hops)


def test_a_missing_content_type_between_containers_fails():
    spec = pipeline(2)
    hop = links.Hop("c1", "img1", b"x", "text/csv", Reply(200, b"y", {}))
    with pytest.raises(RuleFailure, match="c1 answered 200 without a Content-Type"):
        links.pipeline_links(spec, [hop])


def test_a_payload_over_5_mb_between_containers_fails():
    spec = pipeline(2)
    hop = links.Hop(
        "c1",
        "img1",
        b"x",
        "text/csv",
        Reply(200, b"0" * (MAX_BETWEEN_CONTAINERS_BYTES + 1), {"content-type": "text/csv"}),
    )
    with pytest.raises(RuleFailure, match="at most 5 MB"):
        links.pipeline_links(spec, [hop])


def test_a_415_between_containers_names_the_spelling_the_next_one_accepts(serve):
    spec = pipeline(2)
    hops = links.run_chain(spec, [serve(), serve("exact-content-type")])  # the first answers plain text/csv
    with pytest.raises(RuleFailure) as err:
        links.pipeline_links(spec, hops)
    assert "c2 (img2) answered 415" in err.value.message
    assert (
        "Sent as 'text/csv; charset=utf-8' the same body is not refused with 415: "
        "it compares the whole Content-Type string; "
        "make c1 answer with 'text/csv; charset=utf-8', or better, make c2 compare only the media type"
    ) in err.value.message
