#!/usr/bin/env bash
# One analyze run for run.sh: analyze1.sh POLICY DEVICE LABEL (env: JAVA JVMS CP G W)
p=$1; d=$2; label=$3
timeout 150 "$JAVA" $JVMS -cp "$CP" org.kvscope.app.Main analyze --model "$G/models/stories260K.gguf" \
  --text-file "$G/stories.txt" --max-tokens 700 --policy "$p" --device "$d" --quiet --out "$W/an/$p.$label.json" \
  > "$W/an/$p.$label.err" 2>&1
echo "analyze $p $d exit $?"
