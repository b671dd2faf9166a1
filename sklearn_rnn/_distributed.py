"""Data-parallel training: the ``torch.distributed`` process group behind
``device=DataParallel()``.

The engine is PyTorch's own: processes launched by ``torchrun`` (or any
launcher that sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and
``MASTER_PORT``), one process group, and ``DistributedDataParallel``, which
averages the gradients across processes during the backward pass. This
module only finds or creates the group, picks each process's device, and
checks that the processes agree on what they train.
"""

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

#: The environment a launcher such as torchrun sets on every process.
LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class Context:
    """One process's place in the data-parallel fit.

    Attributes
    ----------
    rank : int
        This process's rank in the group (0 is the launching process's).
    world_size : int
        The number of processes.
    device : str
        This process's device: "cpu" (gloo) or "cuda:LOCAL_RANK" (nccl).
    """

    rank: int
    world_size: int
    device: str


def setup(component):
    """The :class:`Context` of ``component`` (a ``DataParallel``) in this process.

    Uses the initialised default process group, or creates one from the
    launcher's environment.

    Raises
    ------
    ValueError
        When there is no process group and no launcher's environment, or when
        the group's backend is not the component's.
    """
    backend = component.resolved_backend()
    if not dist.is_available():
        raise ValueError(
            f"device={component!r}: this torch build has no torch.distributed support."
        )
    if not dist.is_initialized():
        missing = [name for name in LAUNCHER_VARIABLES if name not in os.environ]
        if missing:
            raise ValueError(
                f"device={component!r} trains on every process of a torch.distributed "
                "process group, but none is initialised and the launcher's environment "
                f"is missing ({', '.join(missing)}). Launch the script with torchrun, e.g. "
                "`torchrun --nproc_per_node 2 train.py`, or call "
                "torch.distributed.init_process_group before fit; for one process, use "
                'device="auto".'
            )
        dist.init_process_group(backend)
    elif dist.get_backend() != backend:
        raise ValueError(
            f"device={component!r} needs the {backend!r} backend, but the process group "
            f"uses {dist.get_backend()!r}. Set DataParallel(backend={dist.get_backend()!r})."
        )
    if backend == "nccl":
        local_rank = int(os.environ.get("LOCAL_RANK", dist.get_rank()))
        device = f"cuda:{local_rank % torch.cuda.device_count()}"
        torch.cuda.set_device(device)
    else:
        device = "cpu"
    return Context(dist.get_rank(), dist.get_world_size(), device)


def _tensor(values, context):
    return torch.tensor(values, dtype=torch.int64, device=context.device)


def broadcast_seed(seed, context):
    """Rank 0's ``seed`` on every process (``random_state=None`` draws one per
    process; the processes must train the same network)."""
    tensor = _tensor([seed], context)
    dist.broadcast(tensor, src=0)
    return int(tensor.item())


def check_same_data(values, context):
    """Raise on every process when the processes' ``values`` (ints that
    describe the training data) differ: each must fit on the same data."""
    low = _tensor(values, context)
    high = low.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    if not torch.equal(low, high):
        raise ValueError(
            "device=DataParallel(): the processes were given different training data "
            f"(this process, rank {context.rank}: {list(values)}; smallest "
            f"{low.tolist()}, largest {high.tolist()} over the processes, as "
            "(samples, time steps)). Every process must call fit on the same X and y; "
            "each reads its own share of the batches."
        )


def any_true(flag, context):
    """Whether ``flag`` is true on any process (every process gets the answer)."""
    tensor = _tensor([int(bool(flag))], context)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


def mean(value, context):
    """The mean of the processes' float ``value``."""
    tensor = torch.tensor([float(value)], dtype=torch.float64, device=context.device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / context.world_size


def broadcast_float(value, context):
    """Rank 0's float ``value`` on every process."""
    tensor = torch.tensor([float(value)], dtype=torch.float64, device=context.device)
    dist.broadcast(tensor, src=0)
    return float(tensor.item())


def broadcast_buffers(module):
    """Copy rank 0's buffers (batch normalisation's running statistics) to
    every process, so that every process ends an epoch with the same network."""
    for buffer in module.buffers():
        dist.broadcast(buffer.data, src=0)


def wrap(module, context):
    """``module`` in ``DistributedDataParallel`` (which shares its weights
    and broadcasts rank 0's at construction)."""
    device_ids = [torch.device(context.device).index] if context.device != "cpu" else None
    return DistributedDataParallel(module, device_ids=device_ids)
