package dev.ember.kernels;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the kernel library's C API ({@code ember.h}). Addresses cross as
 * {@code long}: Java keeps native memory as plain addresses and never wraps a tensor in an object.
 *
 * <pre>{@code long addr = EmberNative.ember_map_file(path, sizeOut); }</pre>
 */
@Platform(
    value = {"linux-x86_64", "linux-arm64"},
    compiler = "cpp17",
    include = "ember.h",
    link = "ember_kernels")
@NoException
public final class EmberNative {
  static {
    Loader.load();
  }

  private EmberNative() {}

  public static native @Cast("int64_t") long ember_dtype_bytes(int dtype, @Cast("int64_t") long n);

  public static native @Cast("intptr_t") long ember_map_file(String path, @Cast("int64_t*") long[] sizeOut);

  public static native int ember_unmap(@Cast("void*") long addr, @Cast("int64_t") long size);

  public static native @Cast("intptr_t") long ember_alloc(@Cast("int64_t") long bytes);

  public static native void ember_free(@Cast("void*") long ptr);

  public static native @Cast("int64_t") long ember_allocated_bytes();

  public static native String ember_last_error();
}
