"""airbyte-source-hardcoded-records run in process through the shim (in the peer virtualenv)."""

from source_hardcoded_records import SourceHardcodedRecords

from flow_sdk import shim_airbyte_cdk

if __name__ == "__main__":
    shim_airbyte_cdk.CaptureShim(delegate=SourceHardcodedRecords(), oauth2=None).main()
