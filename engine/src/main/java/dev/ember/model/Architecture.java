package dev.ember.model;

/** Transformer families the forward pass implements. DeepSeek-R1-Distill-Qwen/Llama are these. */
public enum Architecture {
  /** {@code LlamaForCausalLM} / GGUF {@code llama}: no attention biases. */
  LLAMA("LlamaForCausalLM", "llama"),
  /** {@code Qwen2ForCausalLM} / GGUF {@code qwen2}: q/k/v biases. */
  QWEN2("Qwen2ForCausalLM", "qwen2");

  private final String hfClass;
  private final String ggufName;

  Architecture(String hfClass, String ggufName) {
    this.hfClass = hfClass;
    this.ggufName = ggufName;
  }

  public String hfClass() {
    return hfClass;
  }

  public String ggufName() {
    return ggufName;
  }
}
