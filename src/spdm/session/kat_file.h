// Test-only reader for the SPDM known-answer files in
// tests/data/third_party/spdm/ ("name<spaces>value" lines, '#' comments).
#ifndef CCGPU_SPDM_SESSION_KAT_FILE_H_
#define CCGPU_SPDM_SESSION_KAT_FILE_H_

#include <map>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::session::testing {

class KatFile {
 public:
  // kIo if the file cannot be read, kMalformed for a line without a value or
  // a name given twice.
  static Result<KatFile> Load(const std::string& path);
  bool Has(const std::string& name) const { return fields_.count(name) != 0; }
  // The raw text value ("" if absent).
  std::string Text(const std::string& name) const;
  // The value hex-decoded; kNotFound / kInvalidHex.
  Result<Bytes> Hex(const std::string& name) const;

 private:
  std::map<std::string, std::string> fields_;
};

// Path of a vector file under CCGPU_TESTDATA_DIR/third_party/spdm.
std::string KatPath(const std::string& file);

}  // namespace ccgpu::spdm::session::testing

#endif  // CCGPU_SPDM_SESSION_KAT_FILE_H_
