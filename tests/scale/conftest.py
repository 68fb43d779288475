"""One scale-profile stack (2 Rasa replicas, 2 action servers, nginx, own Redis) for the tests of this folder.

The WeChat channel is on, in plain mode (the simulator signs pushes with ``WECHAT_TOKEN``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.stack import ScaleStack, scale_stack

WECHAT_TOKEN = "scale-test-token"


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleStack]:
    with scale_stack(tmp_path_factory.mktemp("scale"), WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_MODE="plain",
                     WECHAT_APPID="wx0123456789abcdef") as s:
        yield s
