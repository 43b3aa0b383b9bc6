package org.kvscope.app.ui.vm;

/** Something the user must be told about: a short title and what went wrong. */
public record Problem(String title, String message) {}
