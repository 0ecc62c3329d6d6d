#define CAF_SUITE error_status
#include <caf/test/unit_test.hpp>

#include "gateways/http/error_status.hpp"

#include "actors/error_type.hpp"

using namespace actorserve;

CAF_TEST(every shared error type has its status) {
  using http::error_status;
  CAF_CHECK_EQUAL(error_status(error_type::bad_request), 400u);
  CAF_CHECK_EQUAL(error_status(error_type::forbidden), 403u);
  CAF_CHECK_EQUAL(error_status(error_type::not_found), 404u);
  CAF_CHECK_EQUAL(error_status(error_type::method_not_allowed), 405u);
  CAF_CHECK_EQUAL(error_status(error_type::payload_too_large), 413u);
  CAF_CHECK_EQUAL(error_status(error_type::worker_lost), 502u);
  CAF_CHECK_EQUAL(error_status(error_type::backlog_full), 503u);
  CAF_CHECK_EQUAL(error_status(error_type::shutting_down), 503u);
  CAF_CHECK_EQUAL(error_status(error_type::timeout), 504u);
}

CAF_TEST(a route error of its own is 500) {
  CAF_CHECK_EQUAL(http::error_status("TypeError"), 500u);
  CAF_CHECK_EQUAL(http::error_status(error_type::route_failed), 500u);
}
