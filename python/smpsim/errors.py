"""Exceptions raised by smpsim.

Invalid configurations raise the built-in ``ValueError`` (naming the dotted field and its allowed
range), a value of the wrong type :class:`ConfigTypeError` (a ``TypeError`` that is also a
``ValueError``); failures inside a simulation raise :class:`SimulationError`.
"""


class SimulationError(RuntimeError):
    """A failure inside the simulation (violated invariant, no progress, a crashed child process).

    The message gives the simulated time and a state summary when the simulator could provide
    them, otherwise how the simulation process ended and the tail of its error output.
    """


class ConfigTypeError(TypeError, ValueError):
    """A configuration field was given a value of the wrong type (``cfg.l2.ways = "8"``). The
    message names the class and field, the type expected and the value given."""
