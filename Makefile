# Thin wrapper around CMake. The two commands a user needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# ccache is looked for when CMake configures, after scripts/setup has run (on
# a fresh machine setup is what installs it).
LAUNCHER = $$(command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: all setup configure build demo test bench atlas format check-format clean

all: build

setup:
	scripts/setup

# Configured after setup (order-only: also under make -j, the packages are
# there before CMake looks for them).
$(BUILD_DIR)/CMakeCache.txt: | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	scripts/demo $(BUILD_DIR)/hardnets

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Every shipped experiment with its budgets into build/atlas/atlas.sqlite, and
# the full report (scripts/atlas; resumable; `scripts/atlas --plan` bounds it).
atlas: build
	scripts/atlas --hardnets $(BUILD_DIR)/hardnets --jobs $(JOBS)

bench:
	$(MAKE) build
	cmake --build $(BUILD_DIR) --target hardnets_bench hardnets_dnnt_bench hardnets_clwe_bench hardnets_prg_bench hardnets_tensor_bench -j $(JOBS)
	$(BUILD_DIR)/bench/hardnets_bench --benchmark_min_time=0.2
	$(BUILD_DIR)/bench/hardnets_dnnt_bench
	$(BUILD_DIR)/bench/hardnets_clwe_bench
	$(BUILD_DIR)/bench/hardnets_prg_bench
	$(BUILD_DIR)/bench/hardnets_tensor_bench
	/usr/bin/python3 bench/compare_torch.py --hardnets $(BUILD_DIR)/bench/hardnets_train_bench
	/usr/bin/python3 bench/sweep_bench.py --hardnets $(BUILD_DIR)/hardnets
	/usr/bin/python3 bench/gf2_compare.py --hardnets $(BUILD_DIR)/hardnets

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

check-format:
	git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR)
