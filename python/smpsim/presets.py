"""Named machine presets.

Each function returns a fresh, independent :class:`smpsim.SystemConfig`; change it freely::

    cfg = smpsim.presets.quad()
    cfg.l2.size = "512KiB"

``names()`` lists every preset and ``get(name)`` returns any of them by name. The numbers and
their sources are documented in ``platform/presets.cpp``.
"""

from . import _smpsim

__all__ = ["names", "get", "quad", "core2_duo", "athlon_x2", "opteron_2x2", "smt_quad",
           "manycore_64"]


def names():
    """Return the names of every preset, as a list of str."""
    return list(_smpsim.preset_names())


def get(name):
    """Return the preset called ``name``; an unknown name raises ValueError naming "preset"."""
    if not isinstance(name, str):
        raise TypeError(f"preset: expected a preset name (str), got {type(name).__name__}")
    return _smpsim.preset(name)


def quad():
    """4 cores at 2 GHz: private 32 KiB L1s and 256 KiB L2, a shared inclusive 8 MiB LLC."""
    return get("quad")


def core2_duo():
    """Xeon 5130 (Woodcrest) 2 GHz: 2 out-of-order cores sharing a 4 MiB 16-way L2 (the
    socket's LLC)."""
    return get("core2_duo")


def athlon_x2():
    """Athlon 64 X2 at 2.2 GHz: 2 out-of-order cores, private 512 KiB L2 each, no L3."""
    return get("athlon_x2")


def opteron_2x2():
    """Two dual-core Opteron 275 (2.2 GHz): 2 sockets x 2 out-of-order cores, private 1 MiB L2,
    NUMA."""
    return get("opteron_2x2")


def smt_quad():
    """Dual-socket Hyper-Threading Xeon (2.8 GHz): 2 sockets x 1 core x 2 threads."""
    return get("smt_quad")


def manycore_64():
    """64 cores in 4 sockets of 16 at 2.5 GHz, private L1/L2, a 16 MiB LLC per socket."""
    return get("manycore_64")
