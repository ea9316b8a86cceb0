# `ccgpu token` CLI tests with exact exit codes (0 ok, 1 invalid/false,
# 3 input unusable). Fixtures in tests/data/token (README.md there).
set(_tok "${CMAKE_SOURCE_DIR}/tests/data/token")
set(_nv "${CMAKE_SOURCE_DIR}/tests/data/third_party/nvidia/attestation-sdk/nv-attestation-sdk-cpp/unit-tests/testdata/sample_attestation_data")
function(ccgpu_token_cli_test name rc out)
  string(REPLACE ";" "|" args "${ARGN}")
  add_test(NAME cli.token.${name}
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:ccgpu> "-DARGS=${args}" -DRC=${rc}
                   "-DOUT=${out}" -P ${CMAKE_CURRENT_SOURCE_DIR}/run_expect.cmake)
endfunction()

ccgpu_token_cli_test(jwks_prints_public_ec_key 0 "\"crv\": \"P-384\".*\"kty\": \"EC\""
  token jwks --key ${_tok}/test_es384_key.pem --kid ccgpu-test-key)
ccgpu_token_cli_test(issue_signs_detached_eat 0 "\"JWT\""
  token issue --key ${_tok}/test_es384_key.pem --claims ${_tok}/claims.json
  --at 2026-11-25T12:00:00Z --kid ccgpu-test-key)
ccgpu_token_cli_test(verify_valid_token 0 "overall attestation result: true"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/jwks.json --at 2026-11-25T12:10:00Z)
ccgpu_token_cli_test(verify_valid_token_json 0 "\"valid\": true"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/jwks.json --at 2026-11-25T12:10:00Z --json)
ccgpu_token_cli_test(verify_expected_nonce 0 "result: true"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/jwks.json --at 2026-11-25T12:10:00Z
  --nonce 931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb)
ccgpu_token_cli_test(verify_wrong_nonce_fails 1 "not the expected nonce"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/jwks.json --at 2026-11-25T12:10:00Z
  --nonce 00112233)
ccgpu_token_cli_test(verify_expired_fails 1 "expired \\(exp\\)"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/jwks.json --at 2026-11-25T14:00:00Z)
ccgpu_token_cli_test(verify_false_result_exits_1 1 "overall attestation result: false"
  token verify --token ${_tok}/eat_es384_false.json --jwks ${_tok}/jwks.json --at 2026-11-25T12:10:00Z)
ccgpu_token_cli_test(verify_tampered_device_token_fails 1 "INVALID in GPU-1.*submods digest"
  token verify --token ${_tok}/eat_es384_tampered.json --jwks ${_tok}/jwks.json --at 2026-11-25T12:10:00Z)
ccgpu_token_cli_test(verify_nvidia_sample_without_nvidia_key_fails 1 "no key with the token's kid"
  token verify --token ${_nv}/hopperClaimsv3_detached_eat.json --jwks ${_tok}/jwks.json --at 2025-06-11T00:40:00Z)
ccgpu_token_cli_test(inspect_nvidia_sample 0 "structure and submod digests valid"
  token inspect --token ${_nv}/switch_detached_eat.json)
ccgpu_token_cli_test(verify_missing_token_file_is_unusable 3 "cannot read the token file"
  token verify --token ${_tok}/no_such_file.json --jwks ${_tok}/jwks.json)
ccgpu_token_cli_test(verify_bad_jwks_is_unusable 3 "kInvalidJson"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/claims.json)
ccgpu_token_cli_test(verify_bad_time_is_unusable 3 "--at"
  token verify --token ${_tok}/eat_es384.json --jwks ${_tok}/jwks.json --at yesterday)
ccgpu_token_cli_test(verify_without_jwks_is_usage_error 2 "jwks"
  token verify --token ${_tok}/eat_es384.json)
