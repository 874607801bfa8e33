"""Mistake: t.cpu().numpy() without .detach().

numpy() refuses a tensor that requires grad: the function crashes on any input that is
part of a graph (a model's output fed to the exported model, say).
"""

import torch

CAUGHT_BY = ".detach() first"
REJECTED_BY = "test_predict_takes_grad_and_strided_inputs_and_leaves_them_alone"


def onnx_predict(path, *inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if len(inputs) != len(names):
        raise ValueError("wrong number of inputs")
    feed = {n: t.cpu().numpy() for n, t in zip(names, inputs, strict=True)}
    return [torch.from_numpy(o).to(inputs[0].device) for o in session.run(None, feed)]
