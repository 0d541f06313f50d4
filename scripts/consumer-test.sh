#!/usr/bin/env bash
# The consumer test: use the packages as a .NET developer does, outside the repository.
#
#   1. dotnet pack the three packages (Release) into a temporary folder, with no warning;
#   2. dotnet new console, that folder added as a package source beside the machine's configured ones (which serve
#      ML.NET), dotnet add package Minibatch.ML, and run a program that fits the trainer in an ML.NET pipeline, saves,
#      loads and predicts (scripts/consumer-test/Program.cs); and build the README's first program against it;
#   3. the same program on the TorchSharp engine from Minibatch.ML.TorchSharp (its Debian 12 fix comes with the
#      package); skipped, and not counted, when CONSUMER_TEST_TORCHSHARP=0;
#   4. dotnet tool install Minibatch.ML.Tool from that folder: --version, train on a small IDX set, evaluate the model.
#
# The packages get a version of their own (<version>-consumer.<time>) so that no copy of an earlier build in a NuGet
# cache can stand in for them, and they are built in the temporary folder (--artifacts-path), not in the repository's
# bin/obj. Prints one line per check and, last, "consumer test: N passed, N failed"; exits 1 if any check failed.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/minibatch-consumer.XXXXXX")"
# CONSUMER_TEST_KEEP=1 keeps the folder (packages, projects, logs) for a look afterwards.
if [[ "${CONSUMER_TEST_KEEP:-0}" == 1 ]]; then trap 'echo "consumer test: kept $work"' EXIT; else trap 'rm -rf "$work"' EXIT; fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Our packages (new each run) go to a folder of this run; everything else is read from the machine's global packages
# folder, as a fallback folder, so nothing is downloaded twice and nothing of this run stays in that folder.
machine_packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
export NUGET_PACKAGES="$work/nuget-packages"

base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)
version="$base-consumer.$(date -u +%Y%m%d%H%M%S)"
packages="$work/packages"
passed=0 failed=0 stopped=""
started=$SECONDS

# check ID DESCRIPTION COMMAND...: runs COMMAND, its output into $work/ID.log, unless an earlier check failed.
check() {
  local id="$1" description="$2"; shift 2
  if [[ -n "$stopped" ]]; then
    echo "consumer test: not run: $description (after: $stopped)"; failed=$((failed + 1)); return
  fi
  local t0=$SECONDS
  if "$@" >"$work/$id.log" 2>&1; then
    echo "consumer test: passed: $description ($((SECONDS - t0)) s)"; passed=$((passed + 1))
    tail -n 1 "$work/$id.log" | sed 's/^/    /'
  else
    echo "consumer test: FAILED: $description ($((SECONDS - t0)) s); its output ends:"
    tail -n 25 "$work/$id.log" | sed 's/^/    /'
    failed=$((failed + 1)); stopped="$description"
  fi
}

pack() {
  dotnet pack "$repo/Minibatch.ML.sln" -c Release -o "$packages" --artifacts-path "$work/artifacts" -p:Version="$version" \
    >"$work/pack-output.txt" 2>&1
  local status=$?
  cat "$work/pack-output.txt"
  (( status == 0 )) || return "$status"
  if grep -E '(^|[ :])warning [A-Z]+[0-9]+' "$work/pack-output.txt"; then echo "dotnet pack printed warnings"; return 1; fi
  local package
  for package in Minibatch.ML Minibatch.ML.TorchSharp Minibatch.ML.Tool; do
    [[ -f "$packages/$package.$version.nupkg" && -f "$packages/$package.$version.snupkg" ]] \
      || { echo "no $package.$version.nupkg and .snupkg in $packages"; return 1; }
  done
}

new_app() {
  local app="$1"
  dotnet new console -o "$app" -n ConsumerApp --framework net10.0 || return 1
  cat >"$app/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <fallbackPackageFolders>
    <add key="machine" value="$machine_packages" />
  </fallbackPackageFolders>
</configuration>
EOF
  # The packages' folder becomes a source beside the machine's configured ones (`dotnet add package --source` would
  # replace those, and ML.NET comes from them).
  dotnet nuget add source "$packages" --name minibatch-consumer-test --configfile "$app/nuget.config" || return 1
  cp "$repo/scripts/consumer-test/Program.cs" "$app/Program.cs"
}

pipeline_app() {
  local app="$work/app"
  new_app "$app" || return 1
  (cd "$app" && dotnet add package Minibatch.ML --version "$version") || return 1
  dotnet run --project "$app" -c Release -- pipeline
}

# The README's first program (the C# block under "## A first program") builds against the package as it stands. It
# is not run: it downloads MNIST.
readme_program() {
  local app="$work/app-readme"
  mkdir -p "$app" && cp "$work/app/ConsumerApp.csproj" "$work/app/nuget.config" "$app/" || return 1
  awk '/^## A first program/ { section = 1 } section && /^```csharp$/ { code = 1; next } code && /^```$/ { exit } code' \
    "$repo/README.md" >"$app/Program.cs"
  [[ -s "$app/Program.cs" ]] || { echo "README.md has no C# block under ## A first program"; return 1; }
  dotnet build "$app" -c Release -warnaserror
}

torchsharp_app() {
  local app="$work/app-torchsharp"
  new_app "$app" || return 1
  (cd "$app" && dotnet add package Minibatch.ML.TorchSharp --version "$version") || return 1
  dotnet run --project "$app" -c Release -p:DefineConstants=WITH_TORCHSHARP -- torchsharp
}

tool_install() {
  dotnet tool install Minibatch.ML.Tool --version "$version" --tool-path "$work/tools" --add-source "$packages" || return 1
  local printed
  printed="$("$work/tools/minibatch" --version)" || return 1
  [[ "$printed" == "$version" ]] || { echo "minibatch --version printed '$printed', not the package version $version"; return 1; }
}

# number_at_least JSON KEY MIN: the number after "KEY": in JSON is at least MIN.
number_at_least() {
  local value
  value=$(grep -o "\"$2\":[0-9.eE+-]*" <<<"$1" | head -n 1 | cut -d: -f2)
  [[ -n "$value" ]] || { echo "no $2 in: $1"; return 1; }
  awk -v v="$value" -v min="$3" 'BEGIN { exit !(v + 0 >= min + 0) }' || { echo "$2 = $value, below $3"; return 1; }
  echo "$2 = $value"
}

tool_train() {
  dotnet run --project "$work/app" -c Release --no-build -- write-idx "$work/idx" || return 1
  local out
  out="$("$work/tools/minibatch" train --data "$work/idx" --hidden 32 --epochs 10 --lr 0.1 --momentum 0.9 --model "$work/model.zip" --json)" || { echo "$out"; return 1; }
  echo "$out"
  [[ -f "$work/model.zip" ]] || { echo "no model.zip"; return 1; }
  number_at_least "$(tail -n 1 <<<"$out")" valid_accuracy 0.9
}

tool_evaluate() {
  local out
  out="$("$work/tools/minibatch" evaluate --model "$work/model.zip" --data "$work/idx" --json)" || { echo "$out"; return 1; }
  echo "$out"
  number_at_least "$(tail -n 1 <<<"$out")" micro_accuracy 0.9
}

tool_without_libtorch() {
  local out status
  out="$("$work/tools/minibatch" train --data "$work/idx" --engine torchsharp --epochs 1 2>&1)"; status=$?
  echo "$out"
  (( status == 1 )) || { echo "exit code $status, not 1"; return 1; }
  [[ $(wc -l <<<"$out") == 1 && "$out" == *"does not carry libtorch"* ]] || { echo "not the one-line error expected"; return 1; }
}

echo "consumer test: packages $version, working in $work"
check pack "dotnet pack: three packages and their symbols, no warning" pack
check pipeline "dotnet add package Minibatch.ML: fit in an ML.NET pipeline, save, load, predict" pipeline_app
check readme "the README's first program builds against Minibatch.ML" readme_program
if [[ "${CONSUMER_TEST_TORCHSHARP:-1}" != 0 ]]; then
  check torchsharp "dotnet add package Minibatch.ML.TorchSharp: fit on the TorchSharp engine" torchsharp_app
fi
check tool "dotnet tool install Minibatch.ML.Tool: minibatch --version" tool_install
check train "minibatch train on a small IDX set" tool_train
check evaluate "minibatch evaluate on its model" tool_evaluate
check no-libtorch "minibatch train --engine torchsharp: the tool says in one line that it has no libtorch" tool_without_libtorch

echo "consumer test: $((SECONDS - started)) s"
echo "consumer test: $passed passed, $failed failed"
(( failed == 0 ))
