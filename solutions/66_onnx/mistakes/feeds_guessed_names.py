"""Mistake: feeding onnxruntime under guessed names ("input", "input_1", ...).

The graph's inputs are named after forward's arguments ("tokens", "mask"): onnxruntime
rejects the unknown names.
"""

import torch

CAUGHT_BY = "names of your choosing"
REJECTED_BY = "test_predict_feeds_the_graph_by_its_input_names"


def onnx_predict(path, *inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    if len(inputs) != len(session.get_inputs()):
        raise ValueError("wrong number of inputs")
    names = ["input"] + [f"input_{i}" for i in range(1, len(inputs))]
    feed = {n: t.detach().cpu().numpy() for n, t in zip(names, inputs, strict=True)}
    return [torch.from_numpy(o).to(inputs[0].device) for o in session.run(None, feed)]
