# Sourced by the benchmarks that train on the main job's data: `quickstart_data UNICT FOLDER`
# writes the seed-42 grid-profile set (260 patients) into FOLDER/data, prepares it into
# FOLDER/cache for configs/quickstart.yaml, and leaves in the array `set_data` the --set
# arguments that point a unict command at it.
quickstart_data() {
  local unict=$1 folder=$2
  "$unict" synth --out "$folder/data" --profile grid --patients 260 --seed 42 >/dev/null 2>&1
  set_data=(--set "data.ctrate_root=$folder/data/ctrate" --set "data.rexgrounding_root=$folder/data/rexgroundingct"
            --set "data.radchestct_root=$folder/data/radchestct" --set "data.cache_dir=$folder/cache")
  "$unict" prepare --config configs/quickstart.yaml "${set_data[@]}" >/dev/null 2>&1
}
