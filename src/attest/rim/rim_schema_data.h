// Internal: the RIM XSDs compiled into the library (generated source).
#ifndef CCGPU_ATTEST_RIM_RIM_SCHEMA_DATA_H_
#define CCGPU_ATTEST_RIM_RIM_SCHEMA_DATA_H_

#include <cstddef>

namespace ccgpu::attest::internal {

struct EmbeddedSchemaFile {
  const char* name;            // "swidSchema2015.xsd"
  const unsigned char* data;   // file bytes
  std::size_t size;
};
// swidSchema2015.xsd first.
extern const EmbeddedSchemaFile kEmbeddedRimSchemas[];
extern const std::size_t kEmbeddedRimSchemaCount;

}  // namespace ccgpu::attest::internal

#endif  // CCGPU_ATTEST_RIM_RIM_SCHEMA_DATA_H_
