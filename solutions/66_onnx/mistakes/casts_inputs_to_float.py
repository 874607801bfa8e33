"""Mistake: converting every input with .float() before feeding it.

Token ids are int64 in the graph: onnxruntime refuses a float32 tensor for them.
"""

import torch

CAUGHT_BY = "int64 token ids must stay int64"
REJECTED_BY = "test_predict_feeds_the_graph_by_its_input_names"


def onnx_predict(path, *inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if len(inputs) != len(names):
        raise ValueError("wrong number of inputs")
    feed = {n: t.detach().float().cpu().numpy() for n, t in zip(names, inputs, strict=True)}
    return [torch.from_numpy(o).to(inputs[0].device) for o in session.run(None, feed)]
