"""Server settings from the environment, the nginx configuration and the command line."""

from pathlib import Path

import pytest
from serving import nginx
from serving.__main__ import main
from serving.config import ServeSettings, default_workers
from serving.errors import ConfigError
from serving.server import gunicorn_command

ENV = {"BYOC_HANDLER": "featurizer.handler"}


def test_defaults():
    settings = ServeSettings.from_env(ENV)
    assert (settings.port, settings.workers, settings.timeout) == (8080, default_workers(), 60)
    assert settings.model_dir == Path("/opt/ml/model")


def test_workers_default_to_the_cpus_this_process_may_use(monkeypatch, tmp_path):
    monkeypatch.setattr("serving.config.CGROUP_CPU_MAX", tmp_path / "absent")
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert default_workers() == 3 and ServeSettings.from_env(ENV).workers == 3
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # docker run --cpus 1.5
    assert default_workers(tmp_path / "cpu.max") == 2
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert default_workers(tmp_path / "cpu.max") == 3
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(200)), raising=False)
    assert default_workers() == 64
    assert ServeSettings.from_env(dict(ENV, MODEL_SERVER_WORKERS="1")).workers == 1


def test_environment_overrides():
    env = dict(ENV, SAGEMAKER_BIND_TO_PORT="9090", MODEL_SERVER_WORKERS="3", MODEL_SERVER_TIMEOUT="120")
    settings = ServeSettings.from_env(env)
    assert (settings.port, settings.workers, settings.timeout) == (9090, 3, 120)


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("SAGEMAKER_BIND_TO_PORT", "http", "not an integer"),
        ("SAGEMAKER_BIND_TO_PORT", "70000", "out of range"),
        ("MODEL_SERVER_WORKERS", "0", "out of range"),
    ],
)
def test_bad_values_name_the_variable(name, value, words):
    with pytest.raises(ConfigError) as info:
        ServeSettings.from_env(dict(ENV, **{name: value}))
    assert name in str(info.value) and words in str(info.value)


def test_missing_handler_is_a_config_error():
    with pytest.raises(ConfigError, match="BYOC_HANDLER"):
        ServeSettings.from_env({})


def test_nginx_listens_on_the_port_allows_6_mib_and_logs_to_stdio(tmp_path):
    conf = nginx.render(ServeSettings.from_env(dict(ENV, SAGEMAKER_BIND_TO_PORT="9090")), tmp_path, tmp_path / "g.sock")
    assert "listen 9090;" in conf
    assert "client_max_body_size 6291456;" in conf
    assert f"server unix:{tmp_path}/g.sock;" in conf
    assert "access_log /dev/stdout combined buffer=" in conf and "error_log stderr" in conf
    assert "daemon off;" in conf and f"pid {tmp_path}/nginx.pid;" in conf


def test_gunicorn_takes_workers_and_timeout(tmp_path):
    env = dict(ENV, MODEL_SERVER_WORKERS="2", MODEL_SERVER_TIMEOUT="30")
    command = gunicorn_command(ServeSettings.from_env(env), tmp_path / "g.sock")
    assert command[command.index("--workers") + 1] == "2"
    assert command[command.index("--timeout") + 1] == "30"
    assert command[command.index("--bind") + 1] == f"unix:{tmp_path}/g.sock"
    assert "--preload" not in command  # off unless asked: a handler whose load starts threads hangs after a fork
    assert command[-1] == "serving.wsgi:app"


def test_byoc_preload_makes_gunicorn_load_the_model_once_before_forking(tmp_path):
    command = gunicorn_command(ServeSettings.from_env(dict(ENV, BYOC_PRELOAD="true")), tmp_path / "g.sock")
    assert "--preload" in command
    assert ServeSettings.from_env(dict(ENV, BYOC_PRELOAD="False")).preload is False


def test_a_byoc_preload_that_is_not_true_or_false_is_a_config_error():
    with pytest.raises(ConfigError, match="BYOC_PRELOAD='yes' is not true or false"):
        ServeSettings.from_env(dict(ENV, BYOC_PRELOAD="yes"))


@pytest.mark.parametrize("argv", [[], ["train"], ["serve", "extra"]])
def test_any_argument_but_serve_is_a_usage_error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "unknown command" in err and "usage: serve" in err


def test_serve_with_a_bad_setting_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("BYOC_HANDLER", "featurizer.handler")
    monkeypatch.setenv("MODEL_SERVER_TIMEOUT", "soon")
    assert main(["serve"]) == 2
    assert "MODEL_SERVER_TIMEOUT='soon' is not an integer" in capsys.readouterr().err


def test_threads_per_worker_share_the_cpus(monkeypatch):
    from serving.config import threads_per_worker

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert threads_per_worker({}) == 1
    assert threads_per_worker({"MODEL_SERVER_WORKERS": "2"}) == 4
    assert threads_per_worker({"MODEL_SERVER_WORKERS": "16"}) == 1
    assert threads_per_worker({"MODEL_SERVER_WORKERS": "x"}) == 1
