// A name -> object registry for problems and learners.
//
// Each family or learner registers itself from its own source file with a
// file-scope Registration object, so adding one touches no central list. The
// registry is filled during static initialisation and only read afterwards
// (the library is linked whole-archive so no registration is dropped).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hardnets/core/error.h"

namespace hardnets {

template <typename T>
class Registry {
 public:
  // `kind` is "problem" or "learner", used in error messages.
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  void add(std::unique_ptr<T> item) {
    const std::string name = item->name();
    if (!items_.emplace(name, std::move(item)).second) {
      throw std::logic_error(kind_ + " registered twice: " + name);
    }
  }
  const T* find(const std::string& name) const {
    auto it = items_.find(name);
    return it == items_.end() ? nullptr : it->second.get();
  }
  const T& get(const std::string& name) const {
    if (const T* item = find(name)) return *item;
    std::string known;
    for (const auto& [key, value] : items_) known += (known.empty() ? "" : ", ") + key;
    fail("unknown {} '{}'; known {}s: {}", kind_, name, kind_, known);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : items_) out.push_back(key);
    return out;
  }

 private:
  std::string kind_;
  std::map<std::string, std::unique_ptr<T>> items_;
};

}  // namespace hardnets
