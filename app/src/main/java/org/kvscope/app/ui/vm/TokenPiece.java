package org.kvscope.app.ui.vm;

/** A prompt token for the token strip: its id and display text. */
public record TokenPiece(int id, String text) {}
