// Table files: the self-describing binary format (docs/table-format.md), text export, and import of
// published `string,K` tables.
#pragma once
#include <iosfwd>
#include <map>
#include <string>

#include "ctm/table.hpp"

namespace ctm {

// Writes through write_output_file (output_file.hpp): atomic replace of a regular file, through a
// symlink to its target, in place on a device or FIFO.
void write_table(const Table& table, const std::string& path);
// Reads and verifies (magic, version, lengths, CRC-32, payload, consistency); throws ctm::Error
// naming the file and what is wrong.
Table read_table(const std::string& path);
bool is_table_file(const std::string& path);
// The file's bytes, and back (`what` names the source in errors): for sending tables between
// processes (MPI) without a file.
std::string encode_table(const Table& table);
Table decode_table(const std::string& bytes, const std::string& what);

// Rows "string<sep>count<sep>K" sorted by length then string, '#' comment lines with the metadata.
// max_length > 0 keeps the strings of at most that many symbols (1D tables; the header says so).
void export_table(const Table& table, std::ostream& out, char separator, size_t max_length = 0);

// A table of K values (bits) by string: published tables (pybdm, OACC) or one derived from counts.
struct KTable {
  std::string source;
  std::map<std::string, double> k;  // key as given (normalised or not, see `normalized`)
  bool normalized = false;          // keys are canonical (relabelled by first appearance)
  // K of a string: exact key first, then its normalised key; NaN when absent.
  double lookup(const std::string& s) const;
};

// Reads "string,K" or "string<TAB>K" rows (a header row and '#' comments are skipped).
KTable import_k_table(const std::string& path);
KTable k_table_from(const Table& table);

}  // namespace ctm
