"""One scale-profile stack (2 Rasa replicas, 2 action servers, nginx, own Redis) for the tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.stack import ScaleStack, scale_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleStack]:
    with scale_stack(tmp_path_factory.mktemp("scale")) as s:
        yield s
