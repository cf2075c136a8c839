# Opens a SpargeAttn export written by afbs-tune (libtorch 1.13) with Python's torch.
import sys, torch
state = torch.load(sys.argv[1], weights_only=True)
print("torch", torch.__version__, "type", type(state).__name__, "keys", len(state))
for key in sorted(state)[:5]:
    print(key, tuple(state[key].shape), state[key].dtype, state[key].tolist())
names = {k.rsplit(".", 1)[1] for k in state}
assert names == {"is_sparse", "cdfthreshd", "simthreshd1", "simthreshd2", "pvthreshd"}, names
assert all(k.startswith("model.layers.") and ".self_attn.inner_attention." in k for k in state)
assert all(v.shape == (8,) for v in state.values())
assert all(state[k].dtype == torch.bool for k in state if k.endswith("is_sparse"))
print("OK: weights_only load, SpargeAttn key names, shapes [8]")
