"""Mistake: the model is called without torch.inference_mode() (or no_grad).

Every request then builds an autograd graph it never uses: more memory and time per call.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "no torch.inference_mode()"
REJECTED_BY = "test_the_models_run_under_inference_mode"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    @staticmethod
    def _runner(model):
        device = next(model.parameters()).device

        def run(batch):
            return model(batch.to(device)).detach().float().cpu()

        return run
