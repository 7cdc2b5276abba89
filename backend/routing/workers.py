"""Solver processes beside the caller's, sharing the model's matrices.

Big days are planned by parts (see ``by_parts``): many small searches, run side by
side in these processes, one per core.  The matrices (100 MB each for a
5,000-place day) are put once in shared memory and every process maps them, so
a part travels through the pipes as a list of tasks and vehicles, never as
matrices.  A process that cannot have children (a daemonic worker) runs the
same parts in its own thread of control instead (``InlinePool``).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import time
from multiprocessing import shared_memory
from multiprocessing.connection import Connection, wait

import numpy as np

from .model import Model

MAX_WORKERS = 4
RESULT_MARGIN_S = 0.15  # a part stops this long before its deadline: sending its routes back


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --- shared matrices ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SharedRef:
    """Where a matrix lives in shared memory."""

    name: str
    shape: tuple
    dtype: str


class SharedArrays:
    """The parent's side: copies arrays into shared memory blocks, frees them on close()."""

    def __init__(self):
        self._blocks: list = []
        self._refs: dict = {}

    def share(self, arr) -> SharedRef:
        arr = np.asarray(arr)
        key = id(arr)
        if key in self._refs:
            return self._refs[key][0]
        block = shared_memory.SharedMemory(create=True, size=max(1, arr.nbytes))
        view = np.ndarray(arr.shape, dtype=arr.dtype, buffer=block.buf)
        view[...] = arr
        del view  # no exported buffer may outlive close()
        self._blocks.append(block)
        ref = SharedRef(block.name, tuple(arr.shape), arr.dtype.str)
        self._refs[key] = (ref, arr)  # keep arr alive: ids stay unique
        return ref

    def share_bytes(self, data: bytes) -> SharedRef:
        block = shared_memory.SharedMemory(create=True, size=max(1, len(data)))
        block.buf[:len(data)] = data
        self._blocks.append(block)
        return SharedRef(block.name, (len(data),), "bytes")

    def close(self):
        for block in self._blocks:
            try:
                block.close()
                block.unlink()
            except (FileNotFoundError, BufferError):  # pragma: no cover - already gone
                pass
        self._blocks.clear()
        self._refs.clear()


def model_blueprint(model: Model, shared: SharedArrays) -> Model:
    """A picklable copy of ``model`` whose matrices are references to shared memory.

    The per-vehicle travel and cost matrices are computed here once and shared, so the
    processes never build their own copies; distances only when a search reads them
    (vehicles' max_distance), since costs already carry them when the objective does.
    """
    for v in range(len(model.vehicles)):
        model.travel_matrix(v)
        model.cost_matrix(v)
    needs_distances = any(veh.max_distance is not None for veh in model.vehicles)
    copy = dataclasses.replace(
        model,
        durations={p: shared.share(m) for p, m in model.durations.items()},
        distances={p: (shared.share(m) if needs_distances else ("zeros", np.asarray(m).shape))
                   for p, m in model.distances.items()},
        custom_costs={p: shared.share(m) for p, m in model.custom_costs.items()},
        raw=None,
    )
    copy._travel_cache = {k: shared.share(m) for k, m in model._travel_cache.items()}
    copy._cost_cache = {k: shared.share(m) for k, m in model._cost_cache.items()}
    copy._big_vehicle_cost = model.big_vehicle_cost()
    copy._max_cache = {}
    return copy


def _attach_block(name: str) -> shared_memory.SharedMemory:
    """Maps a block the parent owns: this process must not unlink it when it ends."""
    try:
        return shared_memory.SharedMemory(name=name, track=False)  # Python >= 3.13
    except TypeError:
        from multiprocessing import resource_tracker

        block = shared_memory.SharedMemory(name=name)
        resource_tracker.unregister(block._name, "shared_memory")  # noqa: SLF001 - the documented workaround
        return block


def attach(blueprint: Model) -> Model:
    """The processes' side: the blueprint's references become arrays over the shared blocks."""
    blocks = {}

    def view(ref):
        if isinstance(ref, tuple) and ref and ref[0] == "zeros":
            return np.broadcast_to(np.zeros((), dtype=np.int32), ref[1])
        if ref.name not in blocks:
            blocks[ref.name] = _attach_block(ref.name)
        arr = np.ndarray(ref.shape, dtype=np.dtype(ref.dtype), buffer=blocks[ref.name].buf)
        arr.flags.writeable = False
        return arr

    model = blueprint
    model.durations = {p: view(r) for p, r in model.durations.items()}
    model.distances = {p: view(r) for p, r in model.distances.items()}
    model.custom_costs = {p: view(r) for p, r in model.custom_costs.items()}
    model._travel_cache = {k: view(r) for k, r in model._travel_cache.items()}
    model._cost_cache = {k: view(r) for k, r in model._cost_cache.items()}
    model._shared_blocks = blocks  # the mappings live as long as the model
    return model


# --- running one part -------------------------------------------------------------


def run_part(model: Model, part: dict, should_stop=None) -> dict:
    started = time.time()
    result = _run_part(model, part, should_stop)
    result["started"], result["seconds"] = started, time.time() - started
    return result


def _run_part(model: Model, part: dict, should_stop=None) -> dict:
    """One search over some of the model's vehicles and tasks, until ``part['deadline_epoch']``.

    ``part``: ``engine`` ("pyvrp" or "ortools"), ``vehicles``, ``tasks``, ``initial``
    ({vehicle: [task, ...]} or None), ``optional`` (tasks it may leave out), ``seed``,
    ``slice_s`` (search time from the moment the part starts, capped by the deadline).
    Returns {"routes": {vehicle: [task, ...]}} (vehicles of the part without a route
    are absent) or {"routes": None} when the search found nothing in time.
    """
    deadline = min(part["deadline_epoch"], time.time() + part.get("slice_s", float("inf"))) - RESULT_MARGIN_S
    if part["engine"] == "pyvrp":
        from .ortools_engine import COST_SCALE
        from .pyvrp_engine import build_spec, run_spec

        spec = build_spec(model, part["tasks"], COST_SCALE, 0.0, part.get("seed", 0), vehicles=part["vehicles"],
                          initial_routes=part.get("initial"), optional=frozenset(part.get("optional", ())),
                          pack=part.get("pack", False))
        spec["deadline_epoch"] = deadline
        spec["part"] = True
        got = run_spec(spec, should_stop=should_stop)
        return {"routes": got["routes"], "feasible": got["feasible"]}
    from .ortools_engine import FSS, LSM, OrToolsModel

    engine = OrToolsModel(model, vehicles=part["vehicles"], tasks=part["tasks"], balance=part.get("balance", False))
    hint = None
    if part.get("initial"):
        hint = [part["initial"].get(v, []) for v in part["vehicles"]]
    else:
        # A first plan for the part, however long it takes (a time limit could cut OR-Tools'
        # insertion short and leave every stop out; a part is ~150 stops: about a second at
        # most), then the rest of its time to improve it.
        first = engine.solve(time_limit=None, first_solution=FSS.PARALLEL_CHEAPEST_INSERTION, first_solution_only=True,
                             should_stop=should_stop)
        if first.objective is None:
            return {"routes": None}
        hint = first.routes
        if deadline - time.time() < 0.05:
            return {"routes": {v: r for v, r in zip(part["vehicles"], first.routes) if r}, "feasible": True}
    result = engine.solve(time_limit=max(0.05, deadline - time.time()), hint=hint, should_stop=should_stop,
                          metaheuristic=LSM.GUIDED_LOCAL_SEARCH)
    if result.objective is None:
        if part.get("initial"):
            return {"routes": None}
        result = first
    return {"routes": {v: r for v, r in zip(part["vehicles"], result.routes) if r}, "feasible": True}


# --- solver processes -----------------------------------------------------------------

# A solver process imports the routing package only: ``backend/__init__`` (the web
# application: Flask, SQLAlchemy, Socket.IO) takes seconds to import on a busy
# machine and none of it is needed here.  Started as ``python -c`` rather than by
# multiprocessing's spawn, which would also re-import the caller's main module
# (e.g. the web server's).
_BOOTSTRAP = (
    "import sys, types\n"
    "package = types.ModuleType('backend')\n"
    "package.__path__ = [sys.argv[1]]\n"
    "sys.modules['backend'] = package\n"
    "from backend.routing.workers import serve\n"
    "serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))\n"
)
BACKEND_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def serve(read_fd: int, write_fd: int, blueprint_block: str, blueprint_size: int):
    """A solver process's loop: the model (its blueprint read from shared memory), then
    parts until the pipe closes."""
    inbox = Connection(read_fd, writable=False)
    outbox = Connection(write_fd, readable=False)
    block = _attach_block(blueprint_block)
    try:
        model = attach(pickle.loads(block.buf[:blueprint_size]))
    finally:
        block.close()
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            part = inbox.recv()
        except (EOFError, OSError):
            return
        if part is None:
            return
        try:
            result = run_part(model, part)
        except Exception as exc:  # one failed part must not lose the others
            result = {"routes": None, "error": f"{type(exc).__name__}: {exc}"}
        try:
            outbox.send((part["id"], result))
        except (BrokenPipeError, OSError):
            return


class SolverProcess:
    """One solver process and its two pipes.  The model reaches it through shared memory
    (named on its command line): nothing is written to it before it is ready, so this
    process never waits for its imports, even while running a part itself."""

    def __init__(self, blueprint: SharedRef):
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, BACKEND_DIR, str(child_read), str(child_write),
                 blueprint.name, str(blueprint.shape[0])],
                pass_fds=(child_read, child_write), close_fds=True, stdin=subprocess.DEVNULL)
        finally:
            os.close(child_read)
            os.close(child_write)
        self.send_conn = Connection(parent_write, readable=False)
        self.recv_conn = Connection(parent_read, writable=False)
        self.ready = False
        self.busy = None  # id of the part it works on

    def send(self, message):
        """A part for a process waiting for one (it reads at once)."""
        try:
            self.send_conn.send(message)
        except (OSError, ValueError):
            self.kill()  # died: its part is lost, the caller's deadline holds

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self):
        if self.alive():
            self.process.kill()

    def close(self):
        self.kill()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for conn in (self.send_conn, self.recv_conn):
            conn.close()


class ProcessPool:
    """``n`` solver processes; each part goes to the first free one."""

    def __init__(self, model: Model, n: int):
        self.model = model
        self.shared = SharedArrays()
        self.size = n
        self._processes: list = []
        try:
            blueprint = self.shared.share_bytes(pickle.dumps(model_blueprint(model, self.shared),
                                                             protocol=pickle.HIGHEST_PROTOCOL))
            self._processes = [SolverProcess(blueprint) for _ in range(n)]
        except BaseException:
            self.close()
            raise
        self._waiting: list = []  # parts not yet given to a process
        self._pending: set = set()
        self._next_id = 0

    def submit(self, part: dict) -> int:
        part = dict(part, id=self._next_id)
        self._next_id += 1
        self._pending.add(part["id"])
        self._waiting.append(part)
        self._dispatch()
        return part["id"]

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _dispatch(self):
        for proc in self._processes:
            if self._waiting and proc.ready and proc.busy is None and proc.alive():
                part = self._waiting.pop(0)
                proc.busy = part["id"]
                proc.send(part)

    def next_result(self, timeout: float, should_stop=None):
        """(part id, result) of the next part to finish, or None after ``timeout`` s / on stop.

        Until a process is up (a second or more on a busy machine), this process runs
        waiting parts itself: a short time limit is not spent waiting for imports."""
        end = time.monotonic() + max(0.0, timeout)
        while self._pending:
            got = self._receive(0.0)
            if got is not None:
                return got
            if self._waiting and not any(p.ready for p in self._processes):
                part = self._waiting.pop(0)
                self._pending.discard(part["id"])
                return part["id"], run_part(self.model, part, should_stop=should_stop)
            if not any(p.alive() for p in self._processes) and not self._waiting:
                return None  # every process died (killed): nothing more will come
            got = self._receive(min(0.05, max(0.0, end - time.monotonic())))
            if got is not None:
                return got
            if time.monotonic() >= end or (should_stop is not None and should_stop()):
                return None
        return None

    def _receive(self, timeout: float):
        """Reads what the processes sent within ``timeout``: a finished part's (id, result), or None."""
        by_conn = {p.recv_conn: p for p in self._processes if not p.recv_conn.closed}
        for conn in wait(list(by_conn), timeout=timeout) if by_conn else []:
            proc = by_conn[conn]
            try:
                key, result = conn.recv()
            except (EOFError, OSError):
                proc.close()  # died: its part is lost, the deadline holds
                continue
            if key == "ready":
                proc.ready = True
                self._dispatch()
                continue
            proc.busy = None
            self._pending.discard(key)
            self._dispatch()
            return key, result
        return None

    def close(self):
        for proc in self._processes:  # they keep no state worth a goodbye: all ended at once
            proc.kill()
        for proc in self._processes:
            proc.close()
        self.shared.close()


class InlinePool:
    """The same interface, running each part in this process when its result is asked for."""

    size = 1

    def __init__(self, model: Model):
        self.model = model
        self._queue: list = []
        self._next_id = 0

    def submit(self, part: dict) -> int:
        part = dict(part, id=self._next_id)
        self._next_id += 1
        self._queue.append(part)
        return part["id"]

    @property
    def pending(self) -> int:
        return len(self._queue)

    def next_result(self, timeout: float, should_stop=None):
        if not self._queue or (should_stop is not None and should_stop()):
            return None
        part = self._queue.pop(0)
        # run in turn, each from now: a part's slice is its share of this one core
        return part["id"], run_part(self.model, part, should_stop=should_stop)

    def close(self):
        self._queue.clear()


def open_pool(model: Model, n_workers: int):
    """Solver processes when there are cores for them, else the inline pool."""
    if n_workers > 1:
        try:
            return ProcessPool(model, n_workers)
        except OSError:
            pass  # no processes to be had (limits): this one does the work
    return InlinePool(model)
