"""Official ESM C and AMPLIFY runs for bench/embed/run_families.sh (no official code in this file).

Runs inside the Debian 13 root of ../shared/tools/reference-python (python3-torch 2.6) with the official
sources on the path; run_families.sh sets it up:

  PYTHONPATH=<shims>:<evolutionaryscale/esm checkout>:<chandar-lab/AMPLIFY checkout>/src
  XFORMERS_SRC=<facebookresearch/xformers @ v0.0.28.post3>   (the shims' xformers.ops takes SwiGLU from it)
  SWAT_SRC=<ziul-bio/SWAT checkout>                          (the study's extract_mean_representations)

  make-esmc <out folder> [--d-model 960 --heads 15 --layers 30 --seed S]
      random ESM C built with the official ESMC class, saved as a plain state dict. The real shapes get
      the released names (960/15/30 -> esmc_300m_2024_12_v0.pth, 1152/18/36 -> esmc_600m_2024_12_v0.pth,
      so PlmKit loads them by name with their known sizes); any other shape is written as esmc.pth
      beside a config.json (model_type esmc) holding its sizes.
  make-amplify <out folder> --template <folder> [--hidden 640 --layers 24 --heads 10 --intermediate 2560 --seed S]
      random AMPLIFY built with the official AMPLIFY class, saved as a Hugging Face folder: config.json
      (the template's hub fields with these sizes), model.safetensors (hub names), amplify_vocab.txt and
      special_tokens_map.json copied from the template (../shared/golden/amplify_tiny).
  embed-esmc <pth> <fasta> <out folder> [--threads T]
      SWAT scripts/extract_ESMC.py's extract_mean_representations, called as is: FASTA order, a batch
      closed when the running sum of L+2 would exceed 4096, right-padded, mean of embeddings[i, 1:L+1].
  embed-amplify <folder> <fasta> <out folder> [--threads T] [--mode single|batched] [--max-tokens 4096]
      single (the study's mode): SWAT scripts/extract_AMPLIFY.py's extract_mean_representations, called
      as is: one sequence per call, hidden_states[-1] under a fresh weightless nn.LayerNorm, mean over
      rows 1..L. batched: the same vectors from padded batches grouped as fair-esm's extract.py (and
      PlmKit) group them, with the official additive key mask (0 / -inf), so the comparison with
      PlmKit's batched run is like for like.

Each embed-* writes <out>/layer<L>.mean.csv (id,c0,..; L = the model's block count, PlmKit's number
for the study's vector) and <out>/reference.json, and prints one JSON line: embedding seconds
(after model loading, tokenization and batching included, as the study's function does them),
load seconds, sequences, tokens (sum of L+2) and padded tokens. Everything runs in float32 on the CPU.
"""
import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys
import time
import types
from pathlib import Path

import torch
from torch import nn


# --- stand-ins for packages the embedding path imports but never calls ------------------------
# esm's structure and hub utilities import huggingface_hub, cloudpathlib and biotite at module level;
# Debian has none of them and ESM C's forward pass uses none. Anything reached through these stubs
# would be a bug in this script, not a number, so they raise when called.
class _Unreachable:
    def __init__(self, name):
        self._name = name

    def __call__(self, *a, **k):
        raise RuntimeError(f"{self._name} is a stand-in (not installed); the embedding path must not call it")

    def __getattr__(self, n):
        return _Unreachable(f"{self._name}.{n}")

    def __getitem__(self, k):
        return self

    def __or__(self, other):
        return self

    __ror__ = __or__

    def __mro_entries__(self, bases):
        return (object,)


class _StubModule(types.ModuleType):
    __path__ = []

    def __getattr__(self, n):
        if n.startswith("__"):
            raise AttributeError(n)
        return _Unreachable(f"{self.__name__}.{n}")


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    ROOTS = {"huggingface_hub", "cloudpathlib", "biotite"}

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in self.ROOTS:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _StubModule(spec.name)

    def exec_module(self, module):
        pass


sys.meta_path.append(_StubFinder())  # last: a real installation, if any, wins


def amplify_package():
    """Makes `amplify` importable without running its __init__, which imports the training stack
    (accelerate, hydra, ...) the model and tokenizer modules do not need: a bare package over the
    same folder, whose submodules then load from the official files unchanged."""
    if "amplify" not in sys.modules:
        spec = importlib.util.find_spec("amplify")
        package = types.ModuleType("amplify")
        package.__path__ = list(spec.submodule_search_locations)
        package.__spec__ = spec
        sys.modules["amplify"] = package


def swat_function(script):
    """extract_mean_representations from SWAT's scripts/<script>, imported as is."""
    path = Path(os.environ["SWAT_SRC"]) / "scripts" / script
    spec = importlib.util.spec_from_file_location(f"swat_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.extract_mean_representations


def read_fasta(path):
    records, name, seq = [], None, []
    for line in Path(path).read_text().splitlines():
        if line.startswith(">"):
            if name is not None:
                records.append((name, "".join(seq)))
            name, seq = line[1:].split()[0], []
        elif line.strip():
            seq.append(line.strip())
    if name is not None:
        records.append((name, "".join(seq)))
    return records


def write_means(out, layer, means, order):
    """PlmKit's CSV layout: id,c0..c{D-1}, one row per protein (FASTA order), float32 values printed exactly."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"layer{layer}.mean.csv", "w") as f:
        d = next(iter(means.values())).numel()
        f.write("id," + ",".join(f"c{j}" for j in range(d)) + "\n")
        for name in order:
            f.write(name + "," + ",".join(repr(float(x)) for x in means[name].float().tolist()) + "\n")


def report(out, **fields):
    (out / "reference.json").write_text(json.dumps(fields, indent=2) + "\n")
    print(json.dumps(fields))


def randomize_layer_norms(model, norm_types):
    """As the golden generators do (../shared/golden/README.md): in named_modules() order, every norm
    weight U(0.5, 1.5) and bias (where one exists) 0.1*N(0, 1), so no norm is the identity."""
    with torch.no_grad():
        for _, m in model.named_modules():
            if isinstance(m, norm_types):
                m.weight.copy_(torch.rand_like(m.weight) + 0.5)
                if getattr(m, "bias", None) is not None:
                    m.bias.copy_(0.1 * torch.randn_like(m.bias))


# --- ESM C ---------------------------------------------------------------------------------------
RELEASED_ESMC = {(960, 15, 30): "esmc_300m_2024_12_v0.pth", (1152, 18, 36): "esmc_600m_2024_12_v0.pth"}


class EsmSequenceTokenizerEmu:
    """ESM C's EsmSequenceTokenizer for plain residue strings: the official vocabulary (SEQUENCE_VOCAB),
    one id per character, <cls> + residues + <eos>, unknown characters -> <unk>. The real class
    subclasses transformers' PreTrainedTokenizerFast (Rust tokenizers), which Debian lacks; only the
    attributes esm.utils.encoding.tokenize_sequence and ESMC.forward use are provided."""

    def __init__(self):
        from esm.utils.constants.esm3 import SEQUENCE_VOCAB
        self.vocab = {t: i for i, t in enumerate(SEQUENCE_VOCAB)}
        self.mask_token = "<mask>"
        self.pad_token_id = self.vocab["<pad>"]
        self.cls_token_id = self.vocab["<cls>"]
        self.eos_token_id = self.vocab["<eos>"]
        self.unk_token_id = self.vocab["<unk>"]

    def encode(self, sequence, add_special_tokens=True):
        if "<" in sequence or "|" in sequence:
            raise ValueError("special-token strings in the input are not supported by this stand-in")
        ids = [self.vocab.get(c, self.unk_token_id) for c in sequence]
        return [self.cls_token_id] + ids + [self.eos_token_id] if add_special_tokens else ids


def esmc_sizes(pth, heads):
    name = Path(pth).name
    for sizes, released in RELEASED_ESMC.items():
        if name == released:
            return sizes
    config = Path(pth).with_name("config.json")
    if config.exists():
        c = json.loads(config.read_text())
        return c["d_model"], c["n_heads"], c["n_layers"]
    if heads is None:
        raise SystemExit(f"{pth}: not a released name and no config.json beside it; pass --heads")
    state = torch.load(pth, map_location="cpu", weights_only=True)
    layers = len({k.split(".")[2] for k in state if k.startswith("transformer.blocks.")})
    return state["embed.weight"].shape[1], heads, layers


def make_esmc(args):
    from esm.models.esmc import ESMC
    sizes = (args.d_model, args.heads, args.layers)
    torch.manual_seed(args.seed)
    model = ESMC(*sizes, tokenizer=EsmSequenceTokenizerEmu(), use_flash_attn=False).eval()
    randomize_layer_norms(model, (nn.LayerNorm,))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = RELEASED_ESMC.get(sizes, "esmc.pth")
    torch.save(model.state_dict(), out / name)
    if name == "esmc.pth":
        (out / "config.json").write_text(json.dumps(
            {"model_type": "esmc", "d_model": sizes[0], "n_heads": sizes[1], "n_layers": sizes[2],
             "note": f"random ESM C, torch.manual_seed({args.seed}), bench/embed/reference_families.py"}, indent=2) + "\n")
    print(f"wrote {out / name}: ESMC{sizes}, {sum(p.numel() for p in model.parameters())} parameters, seed {args.seed}")


def embed_esmc(args):
    from esm.models.esmc import ESMC
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    d, h, n = esmc_sizes(args.pth, args.heads)
    # As esm.pretrained.ESMC_300M_202412 loads the released file (flash-attn is not installed: SDPA path).
    model = ESMC(d_model=d, n_heads=h, n_layers=n, tokenizer=EsmSequenceTokenizerEmu(), use_flash_attn=False).eval()
    model.load_state_dict(torch.load(args.pth, map_location="cpu", weights_only=True))
    extract = swat_function("extract_ESMC.py")
    load_seconds = time.perf_counter() - start

    records = read_fasta(args.fasta)
    start = time.perf_counter()
    means = extract(model, args.fasta)
    seconds = time.perf_counter() - start

    # The batches SWAT's FastaDataLoader formed (for the padded-token count only).
    padded, batch, budget = 0, [], 4096
    for _, s in records + [(None, None)]:
        if s is None or (batch and sum(batch) + len(s) + 2 > budget):
            padded += len(batch) * max(batch, default=0)
            batch = []
        if s is not None:
            batch.append(len(s) + 2)
    out = Path(args.out)
    write_means(out, n, means, [r[0] for r in records])
    report(out, family="esmc", mode="swat-batches", layer=n, threads=torch.get_num_threads(),
           cpu_capability=torch.backends.cpu.get_cpu_capability(), seconds=seconds, load_seconds=load_seconds,
           sequences=len(records), tokens=sum(len(s) + 2 for _, s in records), padded_tokens=padded)


# --- AMPLIFY -------------------------------------------------------------------------------------
def make_amplify(args):
    amplify_package()
    from amplify.model import AMPLIFY, AMPLIFYConfig
    from amplify.model.rmsnorm import RMSNorm
    from safetensors.torch import save_file
    template = Path(args.template)
    config = json.loads((template / "config.json").read_text())
    config.update(hidden_size=args.hidden, num_hidden_layers=args.layers, num_attention_heads=args.heads,
                  intermediate_size=args.intermediate)
    torch.manual_seed(args.seed)
    model = AMPLIFY(AMPLIFYConfig(**config)).eval()
    # As the golden generator re-draws amplify_tiny: the hub's _init_weights gives tiny uniform weights,
    # which would make every layer nearly the identity; PyTorch's default Linear init, N(0, 1) embeddings
    # and RMSNorm weights U(0.5, 1.5) give states of the size real models have.
    with torch.no_grad():
        for _, m in model.named_modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
            elif isinstance(m, nn.Embedding):
                m.weight.normal_()
        randomize_layer_norms(model, (RMSNorm, nn.LayerNorm))
        model.decoder.bias.copy_(0.1 * torch.randn_like(model.decoder.bias))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out / "model.safetensors",
              metadata={"note": f"random AMPLIFY, torch.manual_seed({args.seed}), bench/embed/reference_families.py"})
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    for name in ("amplify_vocab.txt", "special_tokens_map.json"):
        shutil.copy(template / name, out / name)
    print(f"wrote {out}: AMPLIFY hidden {args.hidden}, {args.layers} layers, {args.heads} heads, "
          f"{sum(p.numel() for p in model.parameters())} parameters, seed {args.seed}")


class AmplifyTokenizerEmu:
    """What SWAT's extract_AMPLIFY.py asks of the hub's AutoTokenizer: tokenizer(seq, return_tensors="pt")
    -> {"input_ids": [1, L+2]}. The ids come from the official amplify.tokenizer.ProteinTokenizer over the
    folder's amplify_vocab.txt (<bos> + one id per character + <eos>, like the hub's tokenizer.json)."""

    class _Encoding(dict):
        def to(self, device):
            return AmplifyTokenizerEmu._Encoding({k: v.to(device) for k, v in self.items()})

    def __init__(self, folder, config):
        from amplify.tokenizer import ProteinTokenizer
        self.inner = ProteinTokenizer(vocab_path=str(Path(folder) / "amplify_vocab.txt"), **{
            k: config[k] for k in ("pad_token_id", "mask_token_id", "bos_token_id", "eos_token_id",
                                   "unk_token_id", "other_special_token_ids")})

    def encode(self, sequence):
        return self.inner.encode(list(sequence), add_special_tokens=True)

    def __call__(self, sequence, return_tensors="pt", padding=False, truncation=False):
        assert return_tensors == "pt" and not padding and not truncation
        return self._Encoding(input_ids=self.encode(sequence).unsqueeze(0))


def extract_batches(lengths, budget, extra=1):
    """fair-esm extract.py's FastaBatchedDataset.get_batch_indices (PlmKit's Batching.BatchIndices):
    sorted by length (ties in input order); a batch grows while max(len + extra) * count <= budget."""
    batches, buf, longest = [], [], 0
    for i in sorted(range(len(lengths)), key=lambda i: (lengths[i], i)):
        size = lengths[i] + extra
        if buf and max(size, longest) * (len(buf) + 1) > budget:
            batches.append(buf)
            buf, longest = [], 0
        longest = max(longest, size)
        buf.append(i)
    if buf:
        batches.append(buf)
    return batches


def amplify_batched(model, tokenizer, records, budget):
    """The study's vector from padded batches: <pad>-padded tokens, the official additive key mask
    (0 for tokens, -inf for padding; AMPLIFY.forward expands it to [B, H, T, T]), hidden_states[-1]
    under a fresh weightless nn.LayerNorm (as SWAT applies it), mean over rows 1..L."""
    means, padded = {}, 0
    pad = tokenizer.inner.pad_token_id
    with torch.no_grad():
        for batch in extract_batches([len(s) for _, s in records], budget):
            rows = [tokenizer.encode(records[i][1]) for i in batch]
            width = max(len(r) for r in rows)
            tokens = torch.full((len(rows), width), pad, dtype=torch.long)
            for b, r in enumerate(rows):
                tokens[b, :len(r)] = r
            mask = torch.zeros(tokens.shape, dtype=torch.float32).masked_fill_(tokens == pad, float("-inf"))
            padded += tokens.numel()
            hidden = model(tokens, pad_mask=mask, output_hidden_states=True).hidden_states[-1]
            layer_norm = nn.LayerNorm(model.config.hidden_size, elementwise_affine=True)
            hidden = layer_norm(hidden)
            for b, i in enumerate(batch):
                name, s = records[i]
                means[name] = hidden[b, 1:len(s) + 1].mean(dim=0)
    return means, padded


def embed_amplify(args):
    amplify_package()
    from amplify.model import AMPLIFY, AMPLIFYConfig
    from safetensors.torch import load_file
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    folder = Path(args.folder)
    config = json.loads((folder / "config.json").read_text())
    model = AMPLIFY(AMPLIFYConfig(**config))
    model.load_state_dict(load_file(folder / "model.safetensors"))
    model.eval()
    tokenizer = AmplifyTokenizerEmu(folder, config)
    extract = swat_function("extract_AMPLIFY.py") if args.mode == "single" else None
    load_seconds = time.perf_counter() - start

    records = read_fasta(args.fasta)
    start = time.perf_counter()
    if args.mode == "single":
        means = extract(model, tokenizer, args.fasta, device=torch.device("cpu"))
        padded = sum(len(s) + 2 for _, s in records)
    else:
        means, padded = amplify_batched(model, tokenizer, records, args.max_tokens)
    seconds = time.perf_counter() - start

    n = config["num_hidden_layers"]
    out = Path(args.out)
    write_means(out, n, means, [r[0] for r in records])
    report(out, family="amplify", mode=args.mode, layer=n, threads=torch.get_num_threads(),
           cpu_capability=torch.backends.cpu.get_cpu_capability(), seconds=seconds, load_seconds=load_seconds,
           sequences=len(records), tokens=sum(len(s) + 2 for _, s in records), padded_tokens=padded)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("make-esmc")
    s.add_argument("out")
    s.add_argument("--d-model", type=int, default=960)
    s.add_argument("--heads", type=int, default=15)
    s.add_argument("--layers", type=int, default=30)
    s.add_argument("--seed", type=int, default=20250301)
    s = sub.add_parser("make-amplify")
    s.add_argument("out")
    s.add_argument("--template", required=True, help="folder with the hub config.json fields, amplify_vocab.txt, special_tokens_map.json")
    s.add_argument("--hidden", type=int, default=640)
    s.add_argument("--layers", type=int, default=24)
    s.add_argument("--heads", type=int, default=10)
    s.add_argument("--intermediate", type=int, default=2560)
    s.add_argument("--seed", type=int, default=20250302)
    s = sub.add_parser("embed-esmc")
    s.add_argument("pth")
    s.add_argument("fasta")
    s.add_argument("out")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--heads", type=int, help="only for a file with neither a released name nor a config.json beside it")
    s = sub.add_parser("embed-amplify")
    s.add_argument("folder")
    s.add_argument("fasta")
    s.add_argument("out")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--mode", choices=["single", "batched"], default="single")
    s.add_argument("--max-tokens", type=int, default=4096)
    args = p.parse_args()
    {"make-esmc": make_esmc, "make-amplify": make_amplify, "embed-esmc": embed_esmc, "embed-amplify": embed_amplify}[args.cmd](args)


if __name__ == "__main__":
    main()
