package org.kvscope.gguf;

import java.util.List;

/**
 * Everything in a GGUF file before the tensor data.
 *
 * @param version    format version (2 or 3)
 * @param metadata   key/value metadata
 * @param tensors    tensor infos in file order
 * @param alignment  alignment of the data section and of every tensor offset
 * @param dataOffset absolute byte offset where the tensor-data section starts
 */
record GGUFHeader(int version, GGUFMetadata metadata, List<GGUFTensorInfo> tensors, long alignment, long dataOffset) {
}
