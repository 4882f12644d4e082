# smpsim: `make run` (main job) and `make test` (every test). Both install what is missing first.
PYTHON := /usr/bin/python3
BUILD := build
JOBS ?= $(shell nproc)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: deps configure build run test sanitize bench clean

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

# The unit and model tests built with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/).
sanitize: deps
	@test -f build-asan/CMakeCache.txt || cmake --preset asan
	cmake --build --preset asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS) -R '^(unit|models)\.'

bench: build
	PYTHONPATH=$(BUILD)/python $(PYTHON) bench/bench_platform.py

clean:
	rm -rf $(BUILD) build-asan
