package org.kvscope.app.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kvscope.app.report.AtomicFiles;

/** Reads the UTF-8 text files the CLI is given; a file that is not UTF-8 gets one line naming the byte. */
final class TextFiles {
    private TextFiles() {}

    /**
     * The text of the file given by option {@code option}: without a leading byte order mark, and
     * with Windows line ends (CR LF) read as LF, so that the same text scores the same wherever it was saved.
     *
     * @throws UsageException for a file that is missing or cannot be read (the option, the file and why), for
     *                        invalid UTF-8 (the file, the byte offset, the byte and how to convert it), and for a
     *                        file with no text in it (empty, or white space only)
     */
    static String readUtf8(Args a, String option) {
        Path file = a.existingFile(option);
        String what = "--" + option + " " + file;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UsageException(what + " cannot be read: " + AtomicFiles.reason(e));
        }
        String text = decode(bytes, what);
        text = (text.startsWith("\uFEFF") ? text.substring(1) : text).replace("\r\n", "\n");
        if (text.isBlank()) {
            throw new UsageException(what + " holds no text (it is empty or only white space)");
        }
        return text;
    }

    static String decode(byte[] bytes, String what) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isUnderflow()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            throw new UsageException(String.format("%s is not UTF-8 text: invalid byte 0x%02X at byte offset %d; "
                    + "convert it first, e.g. 'iconv -f latin1 -t utf-8 FILE > FILE.utf8'", what,
                    bytes[offset] & 0xff, offset));
        }
        return out.flip().toString();
    }
}
