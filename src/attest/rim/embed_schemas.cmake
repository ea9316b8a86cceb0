# Generates a C++ source holding the RIM XSDs as byte arrays.
# Inputs: SCHEMA_DIR, OUTPUT. Run at configure time (and re-run when the
# schema files change, via CMAKE_CONFIGURE_DEPENDS).
set(body "// Generated from data/rim-schemas by embed_schemas.cmake. Do not edit.\n#include \"attest/rim/rim_schema_data.h\"\n\nnamespace ccgpu::attest::internal {\nnamespace {\n")
set(table "")
foreach(name swidSchema2015.xsd signSchema.xsd xml.xsd)
  file(READ "${SCHEMA_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR size "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(MAKE_C_IDENTIFIER "${name}" id)
  string(APPEND body "const unsigned char k_${id}[] = {${bytes}};\n")
  string(APPEND table "    {\"${name}\", k_${id}, ${size}},\n")
endforeach()
string(APPEND body "}  // namespace\n\nconst EmbeddedSchemaFile kEmbeddedRimSchemas[] = {\n${table}};\nconst std::size_t kEmbeddedRimSchemaCount = 3;\n\n}  // namespace ccgpu::attest::internal\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
