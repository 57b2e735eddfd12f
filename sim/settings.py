"""A run's resolved config as plain, read-only Python objects, for the phases to read.

Phases read settings every step (``state.cfg.coalition.reach``); on an OmegaConf
``DictConfig`` each such read costs 10-20 µs of node lookup, validation and interpolation
checks, a sizeable share of a small model's step. :func:`settings_of` resolves the config
once into :class:`Settings` (attribute reads at plain-object cost, lists as tuples) with the
same values, so what a phase reads cannot differ from the config that was written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from omegaconf import DictConfig, OmegaConf


class Settings(Mapping[str, Any]):
    """A read-only config node: keys as attributes and as items, nested nodes as Settings.

    Args:
        data: The node's values by key (nested mappings become Settings, lists tuples).
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            if key in _RESERVED:
                raise ValueError(f"config key {key!r} would hide Settings.{key}")
            object.__setattr__(self, str(key), _frozen(value))

    def __getitem__(self, key: str) -> Any:
        try:
            return self.__dict__[key]
        except KeyError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __len__(self) -> int:
        return len(self.__dict__)

    def __setattr__(self, key: str, value: Any) -> NoReturn:
        raise AttributeError(f"settings are read-only (tried to set {key!r})")

    def __delattr__(self, key: str) -> NoReturn:
        raise AttributeError(f"settings are read-only (tried to delete {key!r})")

    def __repr__(self) -> str:
        return f"Settings({self.__dict__!r})"


#: Names a key must not take: the Mapping methods and dunders of Settings.
_RESERVED = frozenset(dir(Settings))


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return Settings(value)
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def settings_of(cfg: DictConfig | Mapping[str, Any]) -> Settings:
    """The resolved values of ``cfg`` (interpolations resolved) as :class:`Settings`."""
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)  # type: ignore[assignment]
    return Settings(cfg)
