"""Ctrl-C (SIGINT) held off where Python code cannot be stopped half-way, then raised.

Python raises ``KeyboardInterrupt`` between any two bytecodes of the main thread.  Two
kinds of code do not survive that: starting worker processes (:func:`interrupts_deferred`,
used by :mod:`embedkit.engine`), and numba compiling a loop (:func:`defer_during_compiles`,
used by :mod:`embedkit.kernels`).  numba and llvmlite are not written for an exception at
any bytecode: interrupted inside, a compile left LLVM objects half closed (an
``Exception ignored … AttributeError: 'PassBuilder' object has no attribute
'_as_parameter_'`` traceback at exit), or a library marked compiled with no code (exit 1
and ``RuntimeError: no compiled object yet``), and an interrupt that lands in one of
llvmlite's finalizers (``__del__``) is discarded by Python, so the run went on to the
end and exited 0.  Held until the compile ends, the interrupt is raised where numba is
done and the command line says it in its one line, exit 130.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C that comes in the block until its end, and raise it there (in the
    main thread; elsewhere the block just runs: only the main thread receives signals).

    A terminal's Ctrl-C (and ``timeout -s INT``) signals the whole process group.  A child
    hit before :func:`~embedkit.engine.worker_init` ignores SIGINT printed a
    ``KeyboardInterrupt`` traceback, and a parent interrupted between starting a pool's
    workers and recording them left workers that no one stopped, so the exit waited for
    them for ever.  The children inherit the recording handler, and drop what it
    recorded.  Blocks may nest: the inner one hands its interrupt to the outer one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)  # Python's default: KeyboardInterrupt


_installed = False


def defer_during_compiles() -> None:
    """From now on, hold a Ctrl-C while numba compiles (or loads a compiled loop from its
    cache) in the main thread, and raise it once the compile has ended.

    numba announces every stretch in which it holds its global compiler lock (the
    ``numba:compiler_lock`` event, :mod:`numba.core.event`), cache loads included, and
    such stretches nest; the outermost is run in :func:`interrupts_deferred`.  Installed
    once per process; call it once numba is imported."""
    global _installed
    if _installed:
        return
    from numba.core import event

    class _HoldWhileCompiling(event.Listener):
        def __init__(self) -> None:
            self._depth = 0
            self._held = ExitStack()

        def on_start(self, evt) -> None:
            if threading.current_thread() is not threading.main_thread():
                return  # a thread's compile cannot be interrupted: signals go to the main thread
            self._depth += 1
            if self._depth == 1:
                self._held.enter_context(interrupts_deferred())

        def on_end(self, evt) -> None:
            if threading.current_thread() is not threading.main_thread():
                return
            self._depth -= 1
            if self._depth == 0:
                self._held.close()  # raises the interrupt held, if one came

    event.register("numba:compiler_lock", _HoldWhileCompiling())
    _installed = True


@contextmanager
def interrupts_from_finalizers() -> Iterator[None]:
    """In the block, a Ctrl-C that lands in a finalizer (a ``__del__``, a weakref
    callback, such as llvmlite's for every LLVM object it frees) interrupts the main
    thread after all, at its next bytecode, instead of being printed as "Exception
    ignored in …" and dropped, which left the run going on to exit 0.

    Python cannot raise from a finalizer and hands what it raised to
    :data:`sys.unraisablehook`; this hook passes every other exception on to the hook it
    replaces, and is taken away at the end of the block (the command line holds it for a
    whole run; a library does not change the hooks of the program that imports it)."""
    import _thread
    import sys

    previous = sys.unraisablehook

    def interrupt_once_out_of(frame) -> None:
        # the handler raises at the main thread's next bytecode: not this hook's, whose
        # exception Python would drop in turn ("Exception ignored in sys.unraisablehook")
        main = threading.main_thread().ident

        def in_hook() -> bool:
            f = sys._current_frames().get(main)
            while f is not None and f is not frame:
                f = f.f_back
            return f is not None

        while in_hook():
            time.sleep(0.0005)
        _thread.interrupt_main()  # as if the signal came now: the handler in force decides

    def hook(unraisable) -> None:
        main = threading.current_thread() is threading.main_thread()
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and main:
            threading.Thread(target=interrupt_once_out_of, args=(sys._getframe(),), daemon=True).start()
        else:
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous
