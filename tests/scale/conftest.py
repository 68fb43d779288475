"""One scale-profile stack (2 Rasa replicas, 2 action servers, nginx, own Redis) for the tests of this folder:
its own, not the session's default stack (several replicas, PostgreSQL and Redis, and the fault tests kill
its processes). Within ``tests/scale`` it is the ``stack`` fixture.

The WeChat channel is on, in plain mode (the simulator signs pushes with ``WECHAT_TOKEN``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.stack import WECHAT_TOKEN, ScaleStack, scale_stack


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleStack]:
    with scale_stack(tmp_path_factory.mktemp("scale"), WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_MODE="plain",
                     WECHAT_APPID="wx0123456789abcdef") as s:
        yield s
