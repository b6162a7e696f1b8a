"""Which client address the throttles count: only the connection's, unless proxies are declared."""

from tests.fitai.test_settings import run

PROBE = (
    "from fitai.bootstrap import use_default_settings; use_default_settings(); "
    "from django.conf import settings; print(settings.REST_FRAMEWORK['NUM_PROXIES'])"
)


def num_proxies_seen(**env: str) -> str:
    result = run(["-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_no_proxy_is_trusted_by_default(monkeypatch):
    monkeypatch.delenv("FITAI_NUM_PROXIES", raising=False)
    assert num_proxies_seen() == "0"


def test_fitai_num_proxies_declares_the_proxies_in_front():
    assert num_proxies_seen(FITAI_NUM_PROXIES="2") == "2"
