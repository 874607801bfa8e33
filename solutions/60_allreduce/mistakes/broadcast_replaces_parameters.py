"""Mistake: new Parameter objects built from the broadcast values replace the old ones.

The values are right, but an optimizer built before the call still holds the old
Parameters: it would train tensors the model no longer uses.
"""

import torch
import torch.distributed as dist
from torch import nn

CAUGHT_BY = "replaced the module's Parameter objects"
REJECTED_BY = "test_keeps_the_parameter_objects_flags_and_gradients"


def broadcast_parameters(module, src=0):
    for sub in module.modules():
        for name, p in list(sub.named_parameters(recurse=False)):
            received = p.detach().clone()
            dist.broadcast(received, src)
            setattr(sub, name, nn.Parameter(received, requires_grad=p.requires_grad))
    with torch.no_grad():
        for b in module.buffers():
            dist.broadcast(b, src)
