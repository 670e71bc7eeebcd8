"""Weights exported by `unict model export` (.npz, one array per parameter or buffer, by name)."""
import numpy as np
import torch


def load_weights(model, path):
    """Loads every parameter and buffer by name; a name missing on either side is an error."""
    with np.load(path) as archive:
        state = {name: torch.from_numpy(archive[name]) for name in archive.files}
    ours = model.state_dict()
    missing = sorted(set(ours) - set(state))
    extra = sorted(set(state) - set(ours))
    if missing or extra:
        raise ValueError(f"{path}: weights do not match the model: missing {missing}, not in the model {extra}")
    for name, tensor in state.items():
        if tuple(tensor.shape) != tuple(ours[name].shape):
            raise ValueError(f"{path}: {name} has shape {tuple(tensor.shape)}, the model {tuple(ours[name].shape)}")
    model.load_state_dict(state, strict=True)
