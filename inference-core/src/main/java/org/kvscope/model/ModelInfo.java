package org.kvscope.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * Descriptive facts about a loaded model for display: file, name, tensor types and sizes.
 *
 * @param tensorTypeCounts number of tensors of each ggml type name
 * @param weightBytes      bytes of tensor data in the file
 */
public record ModelInfo(Path path, String name, long fileSize, Map<String, Integer> tensorTypeCounts,
                        long weightBytes) {
}
