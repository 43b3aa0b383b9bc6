#!/usr/bin/env bash
# One analyze run for run2.sh: analyze2.sh MODEL NAME POLICY DEVICE LABEL MAXTOKENS KERNELS (env: JAVA JVMS CP G W)
m=$1; name=$2; p=$3; d=$4; label=$5; max=$6; kernels=$7
timeout 170 "$JAVA" $JVMS -cp "$CP" org.kvscope.app.Main --kernels "$kernels" analyze --model "$m" \
  --text-file "$G/stories.txt" --max-tokens "$max" --policy "$p" --device "$d" --quiet --out "$W/$name/$p.$label.json" \
  > "$W/$name/$p.$label.err" 2>&1
echo "analyze $name $p $d exit $? at $(( $(date +%s) - T0 )) s"
