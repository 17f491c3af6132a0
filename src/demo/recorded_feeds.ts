/**
 * Real feeds recorded from public systems (see config/demo/SOURCES.md),
 * embedded by static import so the demo and the self-test need no internet.
 */
import divvyGbfs from "../../config/demo/gbfs-v2.3-divvy-chicago/gbfs.json" with { type: "json" };
import divvySystemInformation from "../../config/demo/gbfs-v2.3-divvy-chicago/system_information.json" with {
  type: "json",
};
import divvyStationInformation from "../../config/demo/gbfs-v2.3-divvy-chicago/station_information.json" with {
  type: "json",
};
import divvyStationStatus from "../../config/demo/gbfs-v2.3-divvy-chicago/station_status.json" with {
  type: "json",
};
import divvyVehicleTypes from "../../config/demo/gbfs-v2.3-divvy-chicago/vehicle_types.json" with {
  type: "json",
};
import divvyFreeBikeStatus from "../../config/demo/gbfs-v2.3-divvy-chicago/free_bike_status.json" with {
  type: "json",
};
import v30Gbfs from "../../config/demo/gbfs-v3.0-schema-testfixtures/gbfs.json" with {
  type: "json",
};
import v30SystemInformation from "../../config/demo/gbfs-v3.0-schema-testfixtures/system_information.json" with {
  type: "json",
};
import v30StationInformation from "../../config/demo/gbfs-v3.0-schema-testfixtures/station_information.json" with {
  type: "json",
};
import v30StationStatus from "../../config/demo/gbfs-v3.0-schema-testfixtures/station_status.json" with {
  type: "json",
};
import v30VehicleTypes from "../../config/demo/gbfs-v3.0-schema-testfixtures/vehicle_types.json" with {
  type: "json",
};
import v30VehicleStatus from "../../config/demo/gbfs-v3.0-schema-testfixtures/vehicle_status.json" with {
  type: "json",
};

/** One recorded GBFS system: its files by feed name (`gbfs` is the discovery file). */
export interface RecordedFeedSet {
  /** Folder-like name used in the served URLs. */
  name: string;
  /** The network tag the demo publishes it under. */
  tag: string;
  /** What a person sees as the network's name. */
  title: string;
  version: "2" | "3";
  /** Where it is, as the catalog would say it (the feeds themselves do not). */
  location: { city: string; country: string };
  files: Record<string, unknown>;
}

/** Every recorded system the binary carries. */
export const recordedFeedSets: readonly RecordedFeedSet[] = [
  {
    name: "gbfs-v2.3-divvy-chicago",
    tag: "demo-divvy-chicago",
    title: "Divvy, Chicago (recorded 2025-01-29, GBFS 2.3)",
    version: "2",
    location: { city: "Chicago", country: "US" },
    files: {
      gbfs: divvyGbfs,
      system_information: divvySystemInformation,
      station_information: divvyStationInformation,
      station_status: divvyStationStatus,
      vehicle_types: divvyVehicleTypes,
      free_bike_status: divvyFreeBikeStatus,
    },
  },
  {
    name: "gbfs-v3.0-schema-testfixtures",
    tag: "demo-gbfs-v3",
    title: "MobilityData's GBFS 3.0 example system",
    version: "3",
    // The fixture's stations are in Paris (its URLs are example.com ones).
    location: { city: "Paris", country: "FR" },
    files: {
      gbfs: v30Gbfs,
      system_information: v30SystemInformation,
      station_information: v30StationInformation,
      station_status: v30StationStatus,
      vehicle_types: v30VehicleTypes,
      vehicle_status: v30VehicleStatus,
    },
  },
];
