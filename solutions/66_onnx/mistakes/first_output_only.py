"""Mistake: keeping only the first output of session.run.

A graph can have several outputs (here scores and pooled features); the caller asked for
all of them.
"""

import torch

CAUGHT_BY = "only the first output"
REJECTED_BY = "test_predict_feeds_the_graph_by_its_input_names"


def onnx_predict(path, *inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if len(inputs) != len(names):
        raise ValueError("wrong number of inputs")
    feed = {n: t.detach().cpu().numpy() for n, t in zip(names, inputs, strict=True)}
    return [torch.from_numpy(session.run(None, feed)[0]).to(inputs[0].device)]
