# Thin wrapper over CMake. `make demo` and `make test` are the whole quick
# start: each installs missing Debian packages first (see cmake/debian-deps.sh).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build

.PHONY: all deps test-deps build demo test check-source test-asan test-mbedtls fuzz bench install clean

all: build

deps:
	@sh cmake/debian-deps.sh build

test-deps:
	@sh cmake/debian-deps.sh test

build: deps
	cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_BUILD_TESTS=OFF
	cmake --build $(BUILD)/release -j $(JOBS)

# The demo: first the core library alone (three people in one process),
# then the whole system: cairn-kt, cairn-audit and cairn-relay on loopback
# with alice, bob and carol driving the cairn CLI.
demo: build
	$(BUILD)/release/client/cairn-demo
	sh client/demo/system-demo.sh $(BUILD)/release

# The suite runs twice: OpenSSL under ASan+UBSan, then the mbedTLS backend;
# then each fuzz target runs briefly under libFuzzer. The fuzz build makes
# only the fuzz targets: everything in it is instrumented for libFuzzer,
# whose runtime only the fuzzers link. Last, the release build runs the
# demo, which checks every step it shows.
test: test-deps check-source test-asan test-mbedtls fuzz demo

check-source:
	python3 .ci/check-source

test-asan:
	cmake -S . -B $(BUILD)/asan -DCMAKE_BUILD_TYPE=Debug -DCAIRN_CRYPTO=openssl \
	  -DCAIRN_SANITIZE=address -DCAIRN_WERROR=ON
	cmake --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1 ctest -j $(JOBS) --output-on-failure

test-mbedtls:
	cmake -S . -B $(BUILD)/mbedtls -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_CRYPTO=mbedtls \
	  -DCAIRN_WERROR=ON
	cmake --build $(BUILD)/mbedtls -j $(JOBS)
	cd $(BUILD)/mbedtls && ctest -j $(JOBS) --output-on-failure

FUZZ_SECONDS ?= 30
FUZZ_RUNS ?= 20000
fuzz: test-deps
	CC=clang cmake -S . -B $(BUILD)/fuzz -DCMAKE_BUILD_TYPE=Debug -DCAIRN_FUZZ=ON \
	  -DCAIRN_BUILD_TESTS=OFF
	cmake --build $(BUILD)/fuzz -j $(JOBS) --target $$(cut -d'|' -f1 $(BUILD)/fuzz/fuzz/fuzzers.txt)
	sh fuzz/run-all.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_RUNS)

bench: deps
	cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_BUILD_TESTS=OFF
	cmake --build $(BUILD)/release -j $(JOBS)
	sh bench/run-all.sh $(BUILD)/release

install: build
	cmake --install $(BUILD)/release

clean:
	rm -rf $(BUILD)
