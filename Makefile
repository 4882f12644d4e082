# smpsim: `make run` (main job) and `make test` (every test). Both install what is missing first.
PYTHON := /usr/bin/python3
BUILD := build
JOBS ?= $(shell nproc)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: deps configure build run test sanitize fuzz bench clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake --preset release

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	PYTHONPATH=$(BUILD)/python $(PYTHON) configs/migration_cost.py --out out/migration_cost

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The unit and model tests and the Python module built with AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan/).
# Then the same simulations on the release and the sanitized Python module: byte-identical outputs.
sanitize: build
	@test -f build-asan/CMakeCache.txt || cmake --preset asan
	cmake --build --preset asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS) -R '^(unit|models)\.'
	$(PYTHON) tests/cross_build_determinism.py $(BUILD)/python build-asan/python

# libFuzzer (clang, ASan + UBSan) on the trace readers and JSON config loading, FUZZ_SECONDS each,
# from a copy of tests/fuzz/corpus (new inputs stay in build-fuzz/; add crashes to the corpus).
FUZZ_SECONDS ?= 30
FUZZ_SEED ?= 1
fuzz: deps
	@test -f build-fuzz/CMakeCache.txt || CXX=clang++ cmake -S tests/fuzz -B build-fuzz -DCMAKE_BUILD_TYPE=Debug
	cmake --build build-fuzz -j$(JOBS)
	@set -e; for t in lackey binary config_json; do \
	  c=$${t%_json}; mkdir -p build-fuzz/corpus/$$c; cp -n tests/fuzz/corpus/$$c/* build-fuzz/corpus/$$c/; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s from tests/fuzz/corpus/$$c"; \
	  (cd build-fuzz && ./fuzz_$$t -seed=$(FUZZ_SEED) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	     -print_final_stats=1 corpus/$$c > fuzz_$$t.log 2>&1) || { tail -40 build-fuzz/fuzz_$$t.log; exit 1; }; \
	  grep -E "^stat::(number_of_executed_units|new_units_added)|^Done" build-fuzz/fuzz_$$t.log; \
	done

bench: build
	PYTHONPATH=$(BUILD)/python $(PYTHON) bench/bench_platform.py

clean:
	rm -rf $(BUILD) build-asan build-fuzz
